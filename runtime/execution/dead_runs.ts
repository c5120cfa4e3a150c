// Dead runs: a run whose process is gone is marked `abandoned` with the reason and its leases are
// freed, so what it held is taken over at once instead of after the lease TTL. A process on this
// machine is probed (pid and start time, so a reused pid is not mistaken for it); a process
// elsewhere is taken for dead once its heartbeat deadline has passed.
import type { Logger } from "../logger.ts";
import {
  currentProcess,
  describeProcess,
  probeProcess,
  type ProcessIdentity,
} from "../process_identity.ts";
import type { MetadataStore, RunId, RunningRun, RunRecord } from "../store/metadata_store.ts";

export interface AbandonedRun {
  readonly runId: RunId;
  readonly reason: string;
}

/** The process a run recorded. */
export function processOfRun(run: RunRecord): ProcessIdentity {
  return { host: run.host, pid: run.pid, start: run.processStart, scope: run.processScope };
}

/** Why a running run is dead, or undefined while it may be alive. */
export function deathOf(
  running: RunningRun,
  here: ProcessIdentity = currentProcess(),
): string | undefined {
  const process = processOfRun(running.run);
  const state = probeProcess(process, here);
  if (state === "gone") return `its process ${describeProcess(process)} is gone`;
  if (state === "unknown" && running.heartbeatLapsed) {
    return `its process ${describeProcess(process)} stopped heartbeating`;
  }
  return undefined;
}

/** Marks the run abandoned and frees its leases; false if another process did it first. */
export async function abandonRun(
  store: MetadataStore,
  runId: RunId,
  reason: string,
  at: Date,
): Promise<boolean> {
  // Leases first: should this process die in between, the run is still `running` and the next
  // process to look notices it again.
  await store.leases.releaseRun(runId);
  return await store.runs.abandonRun(runId, reason, at);
}

/**
 * Finds every run marked running whose process is dead, and abandons it. `noticedBy` says who
 * looked (a run id or a command), for the reason recorded with it.
 */
export async function reapDeadRuns(
  store: MetadataStore,
  options: { readonly at: Date; readonly noticedBy: string; readonly log: Logger },
): Promise<readonly AbandonedRun[]> {
  const here = currentProcess();
  const abandoned: AbandonedRun[] = [];
  for (const running of await store.runs.listRunning()) {
    const death = deathOf(running, here);
    if (death === undefined) continue;
    const reason = `${death} (noticed by ${options.noticedBy} on ${describeProcess(here)})`;
    if (await abandonRun(store, running.run.id, reason, options.at)) {
      options.log.warn(`run ${running.run.id} abandoned: ${reason}`);
      abandoned.push({ runId: running.run.id, reason });
    }
  }
  return abandoned;
}
