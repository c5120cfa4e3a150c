/** @jsxImportSource hono/jsx */
// The graph page: the search box (the CLI's selection syntax), zoom controls, the status legend,
// and the canvas the client draws the server's layout on. Without scripts, a link to the list.
import type { GraphPayload } from "../graph_view.ts";
import { ASSET_STATUSES } from "../ui_data.ts";
import { JsonScript, Layout, type PageContext, StatusBadge } from "./layout.tsx";

export interface GraphPageData extends GraphPayload {
  readonly focus: readonly number[] | null;
  readonly focusText: string;
  readonly focusError?: string;
  readonly pollMs: number;
}

export function GraphPage(props: { page: PageContext; graph: GraphPageData }) {
  const { graph } = props;
  const counts = new Map<string, number>();
  for (const code of graph.status) {
    const status = graph.statuses[code];
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  return (
    <Layout page={props.page} title="Asset graph" section="graph" wide scripts={["graph.js"]}>
      <div class="graph-shell">
        <div class="graph-toolbar">
          <form id="graph-search" class="inline" method="get" action="/" role="search">
            <label for="graph-select" class="sub">Select</label>
            <input
              id="graph-select"
              type="search"
              name="select"
              value={graph.focusText}
              placeholder="+gold.fraud_summary, group:silver, tag:pii, bronze.*"
              autocomplete="off"
              spellcheck={false}
            />
            <button type="submit">Focus</button>
            <button type="button" class="secondary" data-graph-action="clear">Clear</button>
          </form>
          <button type="button" class="secondary" data-graph-action="zoom-in" aria-label="Zoom in">
            +
          </button>
          <button
            type="button"
            class="secondary"
            data-graph-action="zoom-out"
            aria-label="Zoom out"
          >
            −
          </button>
          <button type="button" class="secondary" data-graph-action="fit">Fit</button>
          <span id="graph-message" role="status">
            {graph.focusError ?? `${graph.keys.length.toLocaleString("en-US")} assets`}
          </span>
          <span class="legend" aria-label="Statuses">
            {ASSET_STATUSES.filter((s) => counts.has(s)).map((status) => (
              <span>
                <StatusBadge status={status} /> {counts.get(status)!.toLocaleString("en-US")}
              </span>
            ))}
          </span>
        </div>
        <div id="graph-stage" class="graph-stage">
          <canvas
            id="graph-canvas"
            role="img"
            aria-label={`Asset lineage graph of ${graph.keys.length} assets; the Assets page lists them as a table`}
          >
          </canvas>
          <div id="graph-tooltip" class="tooltip" hidden></div>
          <noscript>
            <p class="card">
              The graph needs JavaScript. <a href="/assets">The asset list</a> works without it.
            </p>
          </noscript>
        </div>
      </div>
      <JsonScript id="graph-data" value={graph} />
    </Layout>
  );
}
