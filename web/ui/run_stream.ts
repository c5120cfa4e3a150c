// A run's log as server-sent events: every line after the client's last one (the `after` query
// or the browser's Last-Event-ID on a reconnect), a `status` event on each change, and `end`
// when the run is over. Between changes it waits on UiData.waitForRunChange, not on a timer;
// a comment every 15 s keeps proxies from closing an idle stream.
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { UiEnv } from "./ui_env.ts";
import type { RunStatus, UiData } from "./ui_data.ts";

const BATCH = 500;
const KEEPALIVE_MS = 15_000;

export function streamRunLog(c: Context<UiEnv>, data: UiData, runId: string): Response {
  const resume = c.req.header("last-event-id") ?? c.req.query("after") ?? "0";
  let after = /^\d+$/.test(resume) ? Number(resume) : 0;
  return streamSSE(c, async (stream) => {
    const closed = new AbortController();
    stream.onAbort(() => closed.abort());
    let sentStatus: RunStatus | undefined;
    while (!closed.signal.aborted) {
      // The status first: lines written before a run ends are then all in the read below.
      const run = await data.run(runId);
      if (!run) {
        await stream.writeSSE({ event: "end", data: JSON.stringify({ status: "missing" }) });
        return;
      }
      const lines = await data.runLogs(runId, after, BATCH);
      for (const line of lines) {
        await stream.writeSSE({ id: String(line.seq), event: "log", data: JSON.stringify(line) });
        after = line.seq;
      }
      if (run.status !== sentStatus) {
        await stream.writeSSE({ event: "status", data: JSON.stringify({ status: run.status }) });
        sentStatus = run.status;
      }
      if (lines.length === BATCH) continue;
      if (run.status !== "queued" && run.status !== "running") {
        await stream.writeSSE({ event: "end", data: JSON.stringify({ status: run.status }) });
        return;
      }
      const wake = AbortSignal.any([closed.signal, AbortSignal.timeout(KEEPALIVE_MS)]);
      await data.waitForRunChange(runId, after, wake);
      if (!closed.signal.aborted && wake.aborted) await stream.write(": keep-alive\n\n");
    }
  });
}
