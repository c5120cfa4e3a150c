/** @jsxImportSource hono/jsx */
// The asset list: every asset (or a selection) as a table, the graph's text twin for people who
// search by eye, print, or use a screen reader.
import type { AssetNode } from "../ui_data.ts";
import { AssetLink, Layout, type PageContext, Reasons, StatusBadge } from "./layout.tsx";

export function AssetsPage(
  props: { page: PageContext; assets: readonly AssetNode[]; select: string; error?: string },
) {
  return (
    <Layout page={props.page} title="Assets" section="assets">
      <h1>Assets</h1>
      <form class="inline" method="get" action="/assets" role="search">
        <input
          type="search"
          name="select"
          value={props.select}
          placeholder="group:silver, +gold.fraud_summary"
          aria-label="Selection"
        />
        <button type="submit">Filter</button>
      </form>
      {props.error && <p class="error-box" role="alert">{props.error}</p>}
      <p class="sub">{props.assets.length.toLocaleString("en-US")} assets</p>
      <table>
        <thead>
          <tr>
            <th>Asset</th>
            <th>Kind</th>
            <th>Group</th>
            <th>Status</th>
            <th>Why</th>
          </tr>
        </thead>
        <tbody>
          {props.assets.map((asset) => (
            <tr>
              <td>
                <AssetLink asset={asset.key} />
              </td>
              <td>{asset.kind}</td>
              <td>{asset.group}</td>
              <td>
                <StatusBadge status={asset.status} />
              </td>
              <td>
                <Reasons reasons={asset.reasons} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Layout>
  );
}
