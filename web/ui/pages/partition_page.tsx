/** @jsxImportSource hono/jsx */
// One asset partition: status and reasons, versions, the upstream partitions (and the versions)
// it read and the downstream partitions that read it — each a link, so lineage walks both ways —
// its materialization history, checks, SQL and the last run's logs.
import { displayPartition } from "../paths.ts";
import type { PartitionDetail, PartitionRef } from "../ui_data.ts";
import { ChecksView } from "./checks_view.tsx";
import {
  AssetLink,
  CsrfField,
  Layout,
  type PageContext,
  PartitionLink,
  Reasons,
  RunBadge,
  RunLink,
  StatusBadge,
  Time,
} from "./layout.tsx";
import { SqlView } from "./sql_view.tsx";

/** Lineage lists longer than this are cut, with the count of the rest. */
export const LINEAGE_SHOWN = 200;

export function PartitionPage(props: { page: PageContext; detail: PartitionDetail }) {
  const { detail } = props;
  const shown = displayPartition(detail.partition);
  return (
    <Layout page={props.page} title={`${detail.asset} ${shown}`} section="assets">
      <h1>
        <AssetLink asset={detail.asset} /> · {shown} <StatusBadge status={detail.status} />
      </h1>
      <div class="grid2">
        <section class="card" aria-label="Status">
          <dl class="facts">
            <dt>Why</dt>
            <dd>
              <Reasons reasons={detail.reasons} />
            </dd>
            <dt>Data version</dt>
            <dd class="mono">{detail.dataVersion ?? "-"}</dd>
            <dt>Code version</dt>
            <dd class="mono">{detail.codeVersion ?? "-"}</dd>
          </dl>
        </section>
        <section class="card" aria-label="Materialize this partition">
          <form class="inline" method="post" action="/actions/materialize">
            <CsrfField page={props.page} />
            <input type="hidden" name="selection" value={detail.asset} />
            <input type="hidden" name="from" value={detail.partition} />
            <input type="hidden" name="to" value={detail.partition} />
            <button type="submit">Materialize this partition</button>
          </form>
        </section>
      </div>

      <div class="grid2">
        <section aria-label="Upstream partitions">
          <h2>Read from (upstream)</h2>
          <LineageTable refs={detail.upstreams} upstream id="lineage-upstream" />
        </section>
        <section aria-label="Downstream partitions">
          <h2>Read by (downstream)</h2>
          <LineageTable refs={detail.downstreams} upstream={false} id="lineage-downstream" />
        </section>
      </div>

      <h2>Materializations</h2>
      {detail.history.length === 0 ? <p class="sub">Never materialized.</p> : (
        <table>
          <thead>
            <tr>
              <th>At</th>
              <th>Run</th>
              <th>Data version</th>
              <th>Code version</th>
              <th class="num">Rows</th>
              <th class="num">Duration</th>
            </tr>
          </thead>
          <tbody>
            {detail.history.map((m) => (
              <tr>
                <td>
                  <Time at={m.at} />
                </td>
                <td>
                  <RunLink id={m.runId} />
                </td>
                <td class="mono">{m.dataVersion}</td>
                <td class="mono">{m.codeVersion}</td>
                <td class="num">{m.rows?.toLocaleString("en-US") ?? ""}</td>
                <td class="num">{m.durationMs === undefined ? "" : `${m.durationMs} ms`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Checks</h2>
      <ChecksView asset={detail.asset} checks={detail.checks} />

      {detail.sql && (
        <>
          <h2>SQL</h2>
          <SqlView sql={detail.sql} refs={detail.sqlRefs} />
        </>
      )}

      <h2>Last run</h2>
      {detail.lastRun
        ? (
          <>
            <p>
              <RunLink id={detail.lastRun.id} /> <RunBadge status={detail.lastRun.status} />
            </p>
            <ol class="log">
              {detail.lastRun.logs.map((line) => (
                <li class={line.level}>
                  <time datetime={line.at}>{line.at.slice(11, 19)}</time>
                  {line.message}
                </li>
              ))}
            </ol>
          </>
        )
        : <p class="sub">No run has materialized this partition yet.</p>}
    </Layout>
  );
}

function LineageTable(props: { refs: readonly PartitionRef[]; upstream: boolean; id: string }) {
  if (props.refs.length === 0) {
    return <p class="sub">{props.upstream ? "Reads no partition." : "No partition reads it."}</p>;
  }
  const shown = props.refs.slice(0, LINEAGE_SHOWN);
  return (
    <>
      <table id={props.id}>
        <thead>
          <tr>
            <th>Asset</th>
            <th>Partition</th>
            <th>{props.upstream ? "Version read" : "Data version"}</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((ref) => {
            const changed = props.upstream && ref.dataVersion !== undefined &&
              ref.currentDataVersion !== undefined && ref.dataVersion !== ref.currentDataVersion;
            return (
              <tr>
                <td>
                  <AssetLink asset={ref.asset} />
                </td>
                <td>
                  <PartitionLink asset={ref.asset} partition={ref.partition} />
                </td>
                <td class="mono">
                  {ref.dataVersion ??
                    (ref.currentDataVersion === undefined
                      ? "-"
                      : <span class="sub">{`not read yet (now ${ref.currentDataVersion})`}</span>)}
                  {changed && (
                    <span class="changed" title={`now ${ref.currentDataVersion}`}>
                      {` changed since (now ${ref.currentDataVersion})`}
                    </span>
                  )}
                  {ref.readOlderVersion !== undefined && (
                    <span class="changed" title={`read ${ref.readOlderVersion}`}>
                      {` read an older version (${ref.readOlderVersion})`}
                    </span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {props.refs.length > shown.length && (
        <p class="sub">
          and {(props.refs.length - shown.length).toLocaleString("en-US")} more partitions
        </p>
      )}
    </>
  );
}
