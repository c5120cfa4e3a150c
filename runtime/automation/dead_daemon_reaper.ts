// The dead-daemon reaper every daemon runs with its heartbeat: a daemon whose heartbeat lapsed
// (or whose process is provably gone) is declared dead, and each request it was running goes
// back to the queue once (then fails), with the leases of its run freed at once, so another
// daemon retries it without waiting for the leases to expire. Whoever gets there first does it.
import type { Logger } from "../logger.ts";
import type { DaemonRecord, MetadataStore, ReapedRequest } from "../store/metadata_store.ts";

export interface ReaperOptions {
  /** How many times a request may go back to the queue because its daemon died. */
  readonly requeueLimit: number;
  /** Why a daemon whose heartbeat has not lapsed is dead anyway (its process is gone). */
  readonly isDead?: (daemon: DaemonRecord) => string | undefined;
  readonly log: Logger;
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
