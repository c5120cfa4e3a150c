/** @jsxImportSource hono/jsx */
// The asset page: what the asset is (description, kind, group, tags, columns, code version), its
// partition health bar (run-length encoded, drawn by the client), a page of partitions, checks,
// SQL with linked refs, a source's observation, and the materialize form.
import { assetPath } from "../paths.ts";
import type {
  AssetDetail,
  AssetStatus,
  PartitionHealth,
  PartitionPage,
  RunSummary,
  SourceObservation,
} from "../ui_data.ts";
import { ASSET_STATUSES } from "../ui_data.ts";
import { ChecksView } from "./checks_view.tsx";
import {
  AssetLink,
  CsrfField,
  JsonScript,
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

export interface AssetPageData {
  readonly asset: AssetDetail;
  readonly health: PartitionHealth;
  readonly partitions: PartitionPage;
  readonly statusFilter?: AssetStatus;
  /** Every partition on a row of its own, not collapsed into ranges. */
  readonly expand?: boolean;
  readonly pageSize: number;
  readonly runs: readonly RunSummary[];
}

export function AssetPage(props: { page: PageContext; data: AssetPageData }) {
  const { asset, health, partitions } = props.data;
  // The range defaults to the newest partition that can run (days not landed yet cannot).
  const latest = (partitions.rows.find((row) => row.status !== "waiting") ?? partitions.rows[0])
    ?.partition ?? "";
  return (
    <Layout page={props.page} title={asset.key} section="assets" scripts={["health_bar.js"]}>
      <h1>
        {asset.key} <StatusBadge status={asset.status} />
      </h1>
      <p>{asset.description}</p>
      <div class="grid2">
        <section class="card" aria-label="Definition">
          <dl class="facts">
            <dt>Kind</dt>
            <dd>{asset.kind}</dd>
            <dt>Group</dt>
            <dd>
              <a href={`/?select=${encodeURIComponent(`group:${asset.group}`)}`}>{asset.group}</a>
            </dd>
            <dt>Tags</dt>
            <dd>
              {asset.tags.length === 0
                ? <span class="sub">none</span>
                : asset.tags.map((tag) => <span key={tag} class="tag">{tag}</span>)}
            </dd>
            <dt>Partitions</dt>
            <dd>{asset.partitioning}</dd>
            <dt>Code version</dt>
            <dd class="mono">{asset.codeVersion}</dd>
            <dt>Why</dt>
            <dd>
              <Reasons reasons={asset.reasons} />
            </dd>
          </dl>
        </section>
        <section class="card" aria-label="Lineage">
          <dl class="facts">
            <dt>Upstreams</dt>
            <dd>
              {asset.upstreams.length === 0
                ? <span class="sub">none</span>
                : asset.upstreams.map((key) => (
                  <div>
                    <AssetLink asset={key} />
                  </div>
                ))}
            </dd>
            <dt>Downstreams</dt>
            <dd>
              {asset.downstreams.length === 0
                ? <span class="sub">none</span>
                : asset.downstreams.map((key) => (
                  <div>
                    <AssetLink asset={key} />
                  </div>
                ))}
            </dd>
            <dt>In the graph</dt>
            <dd>
              <a href={`/?select=${encodeURIComponent(`+${asset.key}+`)}`}>
                focus on its lineage
              </a>
            </dd>
          </dl>
        </section>
      </div>

      <h2>Partition health</h2>
      <section class="health" aria-label="Partition health">
        <canvas
          id="health-bar"
          role="img"
          aria-label={`Health of ${health.total} partitions`}
        >
        </canvas>
        <div id="health-tooltip" class="tooltip" hidden></div>
        <div class="legend">
          {ASSET_STATUSES.filter((s) => asset.counts[s] > 0).map((status) => (
            <a href={`${assetPath(asset.key)}?status=${status}#partitions`}>
              <StatusBadge status={status} /> {asset.counts[status].toLocaleString("en-US")}
            </a>
          ))}
        </div>
      </section>
      <JsonScript id="health-data" value={healthPayload(asset.key, health)} />

      {asset.observation && <Observation observation={asset.observation} />}

      {asset.kind !== "source" && (
        <>
          <h2>Materialize</h2>
          <form class="inline card" method="post" action="/actions/materialize">
            <CsrfField page={props.page} />
            <label>
              Selection <input type="text" name="selection" value={asset.key} size={36} required />
            </label>
            {asset.partitionCount > 1 && (
              <>
                <label>
                  From <input type="text" name="from" value={latest} size={13} />
                </label>
                <label>
                  to <input type="text" name="to" value={latest} size={13} />
                </label>
              </>
            )}
            <button type="submit" id="materialize-button">Materialize</button>
            <span class="sub">
              {asset.partitionCount > 1
                ? "Leave the range empty to run every partition that is not fresh."
                : ""}
            </span>
          </form>
        </>
      )}

      <h2 id="partitions">Partitions</h2>
      <PartitionTable page={props.page} data={props.data} />

      <h2>Checks (latest partition)</h2>
      <ChecksView asset={asset.key} checks={asset.checks} />

      {asset.columns.length > 0 && (
        <>
          <h2>Columns</h2>
          <table id="columns">
            <thead>
              <tr>
                <th>Column</th>
                <th>Type</th>
                <th>Description</th>
              </tr>
            </thead>
            <tbody>
              {asset.columns.map((column) => (
                <tr>
                  <td class="mono">{column.name}</td>
                  <td class="mono">{column.type}</td>
                  <td>{column.description ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}

      {asset.sql && (
        <>
          <h2>SQL</h2>
          <SqlView sql={asset.sql} refs={asset.sqlRefs} />
        </>
      )}

      <h2>Recent runs</h2>
      {props.data.runs.length === 0 ? <p class="sub">No runs touched this asset yet.</p> : (
        <table>
          <thead>
            <tr>
              <th>Run</th>
              <th>Status</th>
              <th>Selection</th>
              <th>Queued</th>
            </tr>
          </thead>
          <tbody>
            {props.data.runs.map((run) => (
              <tr>
                <td>
                  <RunLink id={run.id} />
                </td>
                <td>
                  <RunBadge status={run.status} />
                </td>
                <td class="mono">{run.selection}</td>
                <td>
                  <Time at={run.queuedAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}

/**
 * The health bar's data as two flat number arrays (status index, run length): a third of the
 * bytes of `[status, count]` pairs and no objects to build, which matters at 100,000 runs.
 */
export function healthPayload(asset: string, health: PartitionHealth) {
  const index = new Map(ASSET_STATUSES.map((status, i) => [status, i]));
  return {
    asset,
    total: health.total,
    statuses: ASSET_STATUSES,
    codes: health.runs.map(([status]) => index.get(status)!),
    counts: health.runs.map(([, count]) => count),
  };
}

function PartitionTable(props: { page: PageContext; data: AssetPageData }) {
  const { asset, partitions, statusFilter, pageSize, expand } = props.data;
  const base = assetPath(asset.key);
  const query = (offset: number, expanded = expand) =>
    `${base}?offset=${offset}${statusFilter ? `&status=${statusFilter}` : ""}${
      expanded ? "&expand=1" : ""
    }#partitions`;
  const end = partitions.offset + partitions.rows.length;
  const ranges = partitions.rows.some((row) => (row.count ?? 1) > 1);
  return (
    <>
      <form class="inline" method="get" action={base}>
        <label>
          Status{" "}
          <select name="status">
            <option value="">any</option>
            {ASSET_STATUSES.map((status) => (
              <option value={status} selected={status === statusFilter}>{status}</option>
            ))}
          </select>
        </label>
        <button type="submit" class="secondary">Show</button>
      </form>
      <div class="pager">
        <span class="sub">
          {partitions.total === 0
            ? "No partitions match."
            : `${(partitions.offset + 1).toLocaleString("en-US")}–${
              end.toLocaleString("en-US")
            } of ${partitions.total.toLocaleString("en-US")}, newest first`}
        </span>
        {partitions.offset > 0 && (
          <a href={query(Math.max(0, partitions.offset - pageSize))}>newer</a>
        )}
        {end < partitions.total && <a href={query(end)}>older</a>}
        {ranges && <a href={query(0, true)}>show each partition</a>}
        {expand && statusFilter === undefined && <a href={query(0, false)}>collapse ranges</a>}
      </div>
      <table>
        <thead>
          <tr>
            <th>Partition</th>
            <th>Status</th>
            <th>Why</th>
            <th>Data version</th>
            <th>Materialized</th>
          </tr>
        </thead>
        <tbody>
          {partitions.rows.map((row) => (
            <tr>
              <td>
                <PartitionLink
                  asset={asset.key}
                  partition={row.partition}
                  label={row.oldest === undefined ? undefined : `${row.oldest}..${row.partition}`}
                />
              </td>
              <td>
                <StatusBadge status={row.status} />
              </td>
              <td>
                <Reasons reasons={row.reasons} />
              </td>
              <td class="mono">{row.dataVersion ?? "-"}</td>
              <td>
                <Time at={row.materializedAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function Observation(props: { observation: SourceObservation }) {
  const { observation } = props;
  return (
    <>
      <h2>Observed</h2>
      <section class="card" aria-label="Observation">
        <dl class="facts">
          <dt>At</dt>
          <dd>
            <Time at={observation.observedAt} />
          </dd>
          {Object.entries(observation.summary).map(([name, value]) => (
            <>
              <dt>{name}</dt>
              <dd class="mono">{String(value)}</dd>
            </>
          ))}
        </dl>
      </section>
      {observation.table && (
        <>
          <h2>{observation.table.title}</h2>
          <table>
            <thead>
              <tr>{observation.table.columns.map((column) => <th key={column}>{column}</th>)}</tr>
            </thead>
            <tbody>
              {observation.table.rows.map((row) => (
                <tr>
                  {row.map((cell) => (
                    <td class={typeof cell === "number" ? "num" : undefined}>
                      {cell === null
                        ? ""
                        : typeof cell === "number"
                        ? cell.toLocaleString("en-US")
                        : String(cell)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}
