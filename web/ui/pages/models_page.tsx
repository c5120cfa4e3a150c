/** @jsxImportSource hono/jsx */
// Models: versions with metrics and gates, the champion alias with promote and roll back, and
// feature importance of the champion.
import type { ModelView } from "../ui_data.ts";
import { AssetLink, CsrfField, Layout, type PageContext, Time } from "./layout.tsx";

export function ModelsPage(props: { page: PageContext; models: readonly ModelView[] }) {
  return (
    <Layout page={props.page} title="Models" section="models">
      <h1>Models</h1>
      {props.models.length === 0 && <p class="sub">No model assets have versions yet.</p>}
      {props.models.map((model) => {
        const metrics = [...new Set(model.versions.flatMap((v) => Object.keys(v.metrics)))];
        return (
          <section aria-label={model.key}>
            <h2>
              <AssetLink asset={model.key} />{" "}
              <span class="sub">champion: {model.champion ?? "none"}</span>
            </h2>
            <table>
              <thead>
                <tr>
                  <th>Version</th>
                  <th>Trained</th>
                  {metrics.map((metric) => <th key={metric} class="num">{metric}</th>)}
                  <th>Gates</th>
                  <th>Aliases</th>
                  <th></th>
                </tr>
              </thead>
              <tbody>
                {model.versions.map((version) => (
                  <tr>
                    <td class="mono">{version.version}</td>
                    <td>
                      <Time at={version.trainedAt} />
                    </td>
                    {metrics.map((metric) => (
                      <td class="num">{version.metrics[metric]?.toFixed(4) ?? ""}</td>
                    ))}
                    <td>
                      <span
                        class={`badge status-${version.gates === "passed" ? "fresh" : "failed"}`}
                      >
                        {version.gates}
                      </span>
                    </td>
                    <td>{version.aliases.join(", ")}</td>
                    <td>
                      {model.champion !== version.version && (
                        <form class="inline" method="post" action="/actions/promote">
                          <CsrfField page={props.page} />
                          <input type="hidden" name="model" value={model.key} />
                          <input type="hidden" name="version" value={version.version} />
                          <input type="hidden" name="alias" value="champion" />
                          <button type="submit" class="secondary">Promote to champion</button>
                        </form>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <form class="inline" method="post" action="/actions/rollback">
              <CsrfField page={props.page} />
              <input type="hidden" name="model" value={model.key} />
              <input type="hidden" name="alias" value="champion" />
              <button type="submit" class="secondary">Roll back champion</button>
            </form>
            {model.importance.length > 0 && (
              <>
                <h2>Feature importance (gain)</h2>
                <table>
                  <tbody>
                    {model.importance.map((item) => (
                      <tr>
                        <td class="mono">{item.feature}</td>
                        <td class="num">{item.gain.toFixed(1)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </>
            )}
          </section>
        );
      })}
    </Layout>
  );
}
