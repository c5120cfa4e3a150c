// The dead-daemon reaper every daemon runs with its heartbeat: a daemon whose heartbeat lapsed
// (or whose process on this machine is provably gone) is declared dead, and each request it was
// running goes back to the queue once (then fails), with the leases of its run freed at once
// and the run marked abandoned, so another daemon retries it without waiting for the leases to
// expire. Whoever gets there first does it.
import { abandonRun } from "../execution/dead_runs.ts";
import type { Logger } from "../logger.ts";
import { describeProcess, probeProcess } from "../process_identity.ts";
import type { DaemonRecord, MetadataStore, ReapedRequest } from "../store/metadata_store.ts";

export interface ReaperOptions {
  /** How many times a request may go back to the queue because its daemon died. */
  readonly requeueLimit: number;
  /** Why a daemon whose heartbeat has not lapsed is dead anyway (its process is gone). */
  readonly isDead?: (daemon: DaemonRecord) => string | undefined;
  readonly log: Logger;
  readonly at: Date;
  /** Who looked, for the reason recorded on an abandoned run. */
  readonly noticedBy: string;
}

/** A daemon is dead when its process on this machine is gone (its pid is free or reused). */
export function processGone(daemon: DaemonRecord): string | undefined {
  const process = {
    host: daemon.host,
    pid: daemon.pid,
    start: daemon.processStart,
    scope: daemon.processScope,
  };
  return probeProcess(process) === "gone"
    ? `its process ${describeProcess(process)} is gone`
    : undefined;
}

export async function reapDeadDaemons(
  store: MetadataStore,
  options: ReaperOptions,
): Promise<readonly ReapedRequest[]> {
  const reaped = await store.queue.reapDeadDaemons({
    requeueLimit: options.requeueLimit,
    isDead: options.isDead,
  });
  for (const request of reaped) {
    if (request.runId !== undefined) {
      const reason = `daemon ${request.daemonId} died (noticed by daemon ${options.noticedBy})`;
      await abandonRun(store, request.runId, reason, options.at);
    }
    const what = request.status === "queued"
      ? "re-queued"
      : `failed: re-queued ${options.requeueLimit} time(s) already`;
    options.log.warn(
      `request ${request.id} of dead daemon ${request.daemonId} ${what}; ` +
        `${request.leasesFreed} lease${request.leasesFreed === 1 ? "" : "s"} of run ${
          request.runId ?? "(none)"
        } freed`,
      { request: request.id, daemon: request.daemonId },
    );
  }
  return reaped;
}
