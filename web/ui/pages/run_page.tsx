/** @jsxImportSource hono/jsx */
// One run: its steps, the cancel action while it is live, and its log — the lines so far
// rendered here, the rest tailed live over server-sent events by the client.
import type { LogLine, RunDetail } from "../ui_data.ts";
import { CsrfField, Layout, type PageContext, PartitionLink, RunBadge, Time } from "./layout.tsx";

export function isLive(run: RunDetail): boolean {
  return run.status === "queued" || run.status === "running";
}

export function RunPage(
  props: { page: PageContext; run: RunDetail; logs: readonly LogLine[] },
) {
  const { run, logs } = props;
  const live = isLive(run);
  return (
    <Layout page={props.page} title={`Run ${run.id}`} section="runs" scripts={["run_log.js"]}>
      <h1>
        Run {run.id} <RunBadge id="run-status" status={run.status} />
      </h1>
      <div class="grid2">
        <section class="card" aria-label="Run">
          <dl class="facts">
            <dt>Selection</dt>
            <dd class="mono">{run.selection}</dd>
            <dt>Partitions</dt>
            <dd class="mono">{run.partitions ?? "every partition that needs it"}</dd>
            <dt>Trigger</dt>
            <dd>{run.trigger}</dd>
            <dt>Queued</dt>
            <dd>
              <Time at={run.queuedAt} />
            </dd>
            <dt>Started</dt>
            <dd>
              <Time at={run.startedAt} />
            </dd>
            <dt>Ended</dt>
            <dd>
              <Time at={run.endedAt} />
            </dd>
            {run.error && (
              <>
                {/* An abandoned run did not fail: its process died and another noticed. */}
                <dt>{run.status === "abandoned" ? "Abandoned" : "Error"}</dt>
                <dd id="run-error">{run.error}</dd>
              </>
            )}
            {run.note && (
              <>
                <dt>Note</dt>
                <dd id="run-note">{run.note}</dd>
              </>
            )}
          </dl>
        </section>
        {live && (
          <section class="card" aria-label="Cancel">
            <form method="post" action="/actions/cancel">
              <CsrfField page={props.page} />
              <input type="hidden" name="runId" value={run.id} />
              <button type="submit" class="danger">Cancel run</button>
            </form>
          </section>
        )}
      </div>
      <h2>Steps</h2>
      {run.steps.length === 0
        ? (
          <p class="sub">
            {live ? "Steps are listed when the run ends; its log is live below." : "No steps."}
          </p>
        )
        : (
          <table id="run-steps">
            <thead>
              <tr>
                <th>Asset</th>
                <th>Partition</th>
                <th>Status</th>
                <th>Why</th>
                <th class="num">Duration</th>
              </tr>
            </thead>
            <tbody>
              {run.steps.map((step) => (
                <tr>
                  <td>{step.asset}</td>
                  <td>
                    <PartitionLink asset={step.asset} partition={step.partition} />
                  </td>
                  <td>
                    <RunBadge status={step.status} />
                  </td>
                  <td>{step.reason ?? ""}</td>
                  <td class="num">
                    {step.durationMs === undefined ? "" : `${step.durationMs} ms`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      <h2>Log</h2>
      <ol
        id="run-log"
        class="log"
        aria-live="polite"
        data-run-id={run.id}
        data-after={String(logs.at(-1)?.seq ?? 0)}
        data-live={String(live)}
      >
        {logs.map((line) => (
          <li class={line.level} data-seq={String(line.seq)}>
            <time datetime={line.at}>{line.at.slice(11, 19)}</time>
            {line.message}
          </li>
        ))}
      </ol>
    </Layout>
  );
}
