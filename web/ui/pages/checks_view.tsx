/** @jsxImportSource hono/jsx */
// Check results with their first failing rows, shared by the asset and partition pages.
import type { CheckResultView } from "../ui_data.ts";
import { PartitionLink, Time } from "./layout.tsx";

export function ChecksView(props: { asset: string; checks: readonly CheckResultView[] }) {
  if (props.checks.length === 0) return <p class="sub">No checks.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th>Check</th>
          <th>Severity</th>
          <th>Result</th>
          <th>Partition</th>
          <th>At</th>
          <th>First failing rows</th>
        </tr>
      </thead>
      <tbody>
        {props.checks.map((check) => (
          <tr>
            <td class="mono">{check.name}</td>
            <td>{check.severity}</td>
            <td>
              {check.passed
                ? <span class="badge status-fresh">passed</span>
                : (
                  <span class={`badge status-${check.severity === "error" ? "failed" : "stale"}`}>
                    {check.failingRowCount.toLocaleString("en-US")} failing
                  </span>
                )}
            </td>
            <td>
              <PartitionLink asset={props.asset} partition={check.partition} />
            </td>
            <td>
              <Time at={check.at} />
            </td>
            <td>
              {check.firstFailingRows.length > 0 && <FailingRows rows={check.firstFailingRows} />}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function FailingRows(props: { rows: readonly Readonly<Record<string, unknown>>[] }) {
  const columns = [...new Set(props.rows.flatMap((row) => Object.keys(row)))];
  return (
    <table class="mono">
      <thead>
        <tr>{columns.map((column) => <th key={column}>{column}</th>)}</tr>
      </thead>
      <tbody>
        {props.rows.map((row) => (
          <tr>
            {columns.map((column) => <td key={column}>{JSON.stringify(row[column] ?? null)}</td>)}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
