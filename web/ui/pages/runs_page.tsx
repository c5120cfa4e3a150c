/** @jsxImportSource hono/jsx */
// The run list, filtered by status and asset.
import { RUN_STATUSES, type RunFilter, type RunSummary } from "../ui_data.ts";
import { Layout, type PageContext, RunBadge, RunLink, Time } from "./layout.tsx";

export function RunsPage(
  props: { page: PageContext; runs: readonly RunSummary[]; filter: RunFilter },
) {
  const { filter } = props;
  return (
    <Layout page={props.page} title="Runs" section="runs">
      <h1>Runs</h1>
      <form class="inline" method="get" action="/runs">
        <label>
          Status{" "}
          <select name="status">
            <option value="">any</option>
            {RUN_STATUSES.map((status) => (
              <option value={status} selected={status === filter.status}>{status}</option>
            ))}
          </select>
        </label>
        <label>
          Asset <input type="text" name="asset" value={filter.asset ?? ""} size={30} />
        </label>
        <label>
          Show <input type="number" name="limit" value={String(filter.limit)} min={1} max={500} />
        </label>
        <button type="submit" class="secondary">Filter</button>
      </form>
      {props.runs.length === 0 ? <p class="sub">No run matches.</p> : (
        <table>
          <thead>
            <tr>
              <th>Run</th>
              <th>Status</th>
              <th>Selection</th>
              <th>Partitions</th>
              <th>Trigger</th>
              <th>Queued</th>
              <th>Ended</th>
            </tr>
          </thead>
          <tbody>
            {props.runs.map((run) => (
              <tr>
                <td>
                  <RunLink id={run.id} />
                </td>
                <td>
                  <RunBadge status={run.status} />
                </td>
                <td class="mono">{run.selection}</td>
                <td class="mono">{run.partitions ?? "all needed"}</td>
                <td>{run.trigger}</td>
                <td>
                  <Time at={run.queuedAt} />
                </td>
                <td>
                  <Time at={run.endedAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}
