// Runs one run request as a normal runtime run and records what happened on the request: it
// moves queued → running → succeeded, failed or cancelled, and links the run (every attempt has
// a run record, even one that found nothing to do). The daemon calls it for the requests it
// claims; a process without a daemon (the UI) calls it on a queued request, which it claims.
import type { Clock } from "../clock.ts";
import { systemClock } from "../clock.ts";
import type { Definitions } from "../definitions/definitions.ts";
import type { ListableLake } from "../definitions/lake.ts";
import { NO_RESOURCES, type Resources } from "../definitions/resources.ts";
import { errorMessage, RequestError } from "../errors.ts";
import { reapDeadRuns } from "../execution/dead_runs.ts";
import { trimAutomation } from "./automation_trim.ts";
import { materialize, newRunId } from "../execution/materialize.ts";
import { retentionCutoff, vacuum } from "../execution/vacuum.ts";
import type { AssetGraph } from "../graph/asset_graph.ts";
import type { Logger, LogSink } from "../logger.ts";
import { displayPartition } from "../partitions/partition_key.ts";
import type {
  MetadataStore,
  RunId,
  RunRequestId,
  RunRequestRecord,
  StepRecord,
} from "../store/metadata_store.ts";

export interface RunRequestEnvironment {
  readonly graph: AssetGraph;
  readonly store: MetadataStore;
  readonly lake: ListableLake;
  readonly resources?: Resources;
  readonly log: Logger;
  /** Where the run's log goes besides the store (the terminal). */
  readonly logSinks?: readonly LogSink[];
  readonly clock?: Clock;
  readonly concurrency?: number;
  readonly leaseTtlMs?: number;
  readonly lockWaitMs?: number;
  /** The application's own tables, trimmed by a vacuum request (Definitions.trim). */
  readonly trim?: Definitions["trim"];
}

export interface ExecuteRunRequestOptions {
  /**
   * Who runs it: the daemon id that claimed it, or (default) `in-process@<host>:<pid>`, which
   * claims the queued request itself first.
   */
  readonly claimedBy?: string;
  /**
   * Aborts the run. With a DaemonShutdown reason the request goes back to the queue for another
   * daemon; with any other reason it ends cancelled.
   */
  readonly signal?: AbortSignal;
  /**
   * How often to check the store for `runs cancel` while it runs (ms); 1000 by default, 0 for
   * never (a daemon learns it from its heartbeat and aborts `signal`).
   */
  readonly cancelPollMs?: number;
}

export type RequestOutcomeStatus =
  | "succeeded"
  | "failed"
  | "cancelled"
  /** Back in the queue: its daemon shut down before it finished. */
  | "requeued"
  /** Another process took it over (its daemon was declared dead meanwhile). */
  | "lost";

export interface RunRequestOutcome {
  readonly requestId: RunRequestId;
  readonly runId: RunId | undefined;
  readonly status: RequestOutcomeStatus;
  readonly message: string;
}

/** The abort reason of a daemon that is shutting down: its requests go back to the queue. */
export class DaemonShutdown extends Error {
  override name = "DaemonShutdown";
}

/** `in-process@host:pid`: who runs a request when no daemon claimed it. */
export function inProcessClaimant(): string {
  return `in-process@${Deno.hostname()}:${Deno.pid}`;
}

export async function executeRunRequest(
  request: RunRequestRecord,
  env: RunRequestEnvironment,
  options: ExecuteRunRequestOptions = {},
): Promise<RunRequestOutcome> {
  const clock = env.clock ?? systemClock;
  const claimedBy = options.claimedBy ?? inProcessClaimant();
  const claimed = request.status === "queued"
    ? await env.store.queue.claimInPlace(request.id, claimedBy)
    : request.claimedBy === claimedBy && request.status === "running"
    ? request
    : undefined;
  if (claimed === undefined) {
    throw new RequestError(
      `Cannot run request ${request.id}: it is ${request.status}` +
        `${request.claimedBy ? ` (claimed by ${request.claimedBy})` : ""}; only a queued request ` +
        "can be run in place",
    );
  }
  const runId = newRunId(clock.now());
  if (!await env.store.queue.attachRun(claimed.id, claimedBy, runId)) {
    return { requestId: claimed.id, runId: undefined, status: "lost", message: "taken over" };
  }
  const cancel = new AbortController();
  const stopPolling = pollCancel(env.store, claimed.id, cancel, options.cancelPollMs ?? 1000);
  const forward = () => cancel.abort(options.signal!.reason);
  if (options.signal?.aborted) forward();
  options.signal?.addEventListener("abort", forward, { once: true });
  let result: { status: "succeeded" | "failed" | "cancelled"; message: string };
  try {
    result = claimed.kind === "vacuum"
      ? await runVacuum(claimed, env, runId, clock)
      : await runMaterialize(claimed, env, runId, clock, cancel.signal);
  } catch (error) {
    result = { status: "failed", message: errorMessage(error) };
    await recordFailedRun(env.store, claimed, runId, result.message, clock);
  } finally {
    stopPolling();
    options.signal?.removeEventListener("abort", forward);
  }
  if (result.status === "cancelled" && cancel.signal.reason instanceof DaemonShutdown) {
    const message = `${cancel.signal.reason.message}; re-queued`;
    const released = await env.store.queue.release(claimed.id, claimedBy, message);
    return { requestId: claimed.id, runId, status: released ? "requeued" : "lost", message };
  }
  const finished = await env.store.queue.finish(
    claimed.id,
    claimedBy,
    result.status,
    result.message,
  );
  return {
    requestId: claimed.id,
    runId,
    status: finished ? result.status : "lost",
    message: result.message,
  };
}

async function runMaterialize(
  request: RunRequestRecord,
  env: RunRequestEnvironment,
  runId: RunId,
  clock: Clock,
  signal: AbortSignal,
): Promise<{ status: "succeeded" | "failed" | "cancelled"; message: string }> {
  const outcome = await materialize({
    graph: env.graph,
    store: env.store,
    lake: env.lake,
    resources: env.resources ?? NO_RESOURCES,
    log: env.log.child({ request: request.id }),
    logSinks: env.logSinks,
    clock,
    selection: request.selection,
    partitions: request.partitions,
    force: request.force,
    concurrency: env.concurrency,
    leaseTtlMs: env.leaseTtlMs,
    lockWaitMs: env.lockWaitMs,
    signal,
    runId,
    command: `request ${request.id}`,
  });
  if (outcome.run === undefined) {
    const fresh = outcome.plan.fresh;
    const message = `nothing to do: ${fresh} selected partition${fresh === 1 ? " is" : "s are"} ` +
      "fresh or waiting for upstream data";
    await recordRun(env.store, request, runId, "succeeded", { steps: 0, fresh, message }, clock);
    return { status: signal.aborted ? "cancelled" : "succeeded", message };
  }
  const run = outcome.run.status;
  const status = run === "succeeded" || run === "cancelled" ? run : "failed";
  return { status, message: describeSteps(outcome.run.steps) };
}

async function runVacuum(
  request: RunRequestRecord,
  env: RunRequestEnvironment,
  runId: RunId,
  clock: Clock,
): Promise<{ status: "succeeded"; message: string }> {
  const now = clock.now();
  await startRun(env.store, request, runId, now);
  const options = {
    retainDays: wholeTag(request, "retain_days", 7),
    graceMinutes: wholeTag(request, "grace_minutes", 60),
    dryRun: false,
    now,
  };
  // As `deno task vacuum` does: a killed run's leases and work in progress stop protecting its
  // files once it is abandoned.
  await reapDeadRuns(env.store, {
    at: now,
    noticedBy: `vacuum request ${request.id}`,
    log: env.log,
  });
  const report = await vacuum(env.store.maintenance, env.lake, options);
  const activeRuns = new Set((await env.store.runs.listRunning()).map((r) => r.run.id));
  const appTrimmed = await env.trim?.(
    env.store.database,
    retentionCutoff(options),
    false,
    activeRuns,
  );
  const automationTrimmed = await trimAutomation(env.store, retentionCutoff(options), false);
  const message = `removed ${report.removed.length} of ${report.locations} lake locations; ` +
    `trimmed ${
      Object.entries({ ...report.trimmed, ...appTrimmed, ...automationTrimmed })
        .map(([t, n]) => `${n} ${t}`).join(", ")
    }`;
  await env.store.runs.finishRun(runId, "succeeded", {
    removed: report.removed.length,
    locations: report.locations,
    message,
  }, clock.now());
  return { status: "succeeded", message };
}

function wholeTag(request: RunRequestRecord, tag: string, fallback: number): number {
  const text = request.tags[tag];
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) {
    throw new RequestError(
      `Request ${request.id} has tag ${tag}=${JSON.stringify(text)}: expected a whole number`,
    );
  }
  return Number(text);
}

/** `3 steps: 2 succeeded, 1 skipped` or the first failure: `gold.x@2026-11-01: reason`. */
export function describeSteps(steps: readonly StepRecord[]): string {
  const counts = new Map<string, number>();
  for (const step of steps) counts.set(step.status, (counts.get(step.status) ?? 0) + 1);
  const tally = `${steps.length} step${steps.length === 1 ? "" : "s"}: ${
    [...counts].map(([status, n]) => `${n} ${status}`).join(", ")
  }`;
  const failed = steps.find((step) => step.status === "failed");
  if (failed === undefined) return tally;
  const where = failed.partition === ""
    ? failed.assetKey
    : `${failed.assetKey}@${displayPartition(failed.partition)}`;
  return `${tally}; ${where} failed: ${failed.reason}`;
}

function startRun(store: MetadataStore, request: RunRequestRecord, runId: RunId, at: Date) {
  return store.runs.startRun({
    id: runId,
    command: request.kind === "vacuum" ? "vacuum" : `request ${request.id}`,
    selection: request.selection || "*",
    partitions: request.partitions ?? "all partitions",
    host: Deno.hostname(),
    pid: Deno.pid,
    startedAt: at,
  });
}

async function recordRun(
  store: MetadataStore,
  request: RunRequestRecord,
  runId: RunId,
  status: "succeeded" | "failed",
  summary: Record<string, string | number>,
  clock: Clock,
): Promise<void> {
  const existing = await store.runs.getRun(runId);
  if (existing === undefined) await startRun(store, request, runId, clock.now());
  if (existing === undefined || existing.status === "running") {
    await store.runs.finishRun(runId, status, summary, clock.now());
  }
}

/** A request that failed before or outside its run still leaves a failed run to read. */
async function recordFailedRun(
  store: MetadataStore,
  request: RunRequestRecord,
  runId: RunId,
  message: string,
  clock: Clock,
): Promise<void> {
  try {
    await recordRun(store, request, runId, "failed", { error: message }, clock);
  } catch {
    // The store itself is failing: the request's own record says what happened.
  }
}

/** Aborts `cancel` once `runs cancel` asked for it; returns the function that stops polling. */
function pollCancel(
  store: MetadataStore,
  id: RunRequestId,
  cancel: AbortController,
  everyMs: number,
): () => void {
  if (everyMs <= 0) return () => {};
  const timer = setInterval(() => {
    store.queue.get(id).then((now) => {
      if (now?.cancelRequested) cancel.abort(new Error(`request ${id} cancelled`));
    }).catch(() => {});
  }, everyMs);
  return () => clearInterval(timer);
}
