// Executes a plan: steps in topological order, independent ones in parallel up to a bound; a
// failed step skips its downstreams with the reason; leases are kept alive by a heartbeat; the
// run and its step table are recorded in the metadata store. Cancellation is clean.
import TinyQueue from "tinyqueue";
import type { Clock } from "../clock.ts";
import type { JsonValue } from "../definitions/context.ts";
import type { AssetGraph } from "../graph/asset_graph.ts";
import type { Lake } from "../definitions/lake.ts";
import { errorMessage } from "../errors.ts";
import { createLogger, type Logger, type LogSink } from "../logger.ts";
import { currentProcess, describeProcess } from "../process_identity.ts";
import type { Plan, PlanStep } from "./plan.ts";
import type { Resources } from "../definitions/resources.ts";
import { RunLog } from "./run_log.ts";
import { runStep } from "./step/run_step.ts";
import {
  blocksDownstream,
  type ExecutorHooks,
  type PrefetchedBegin,
  type StepChain,
  type StepOutcome,
} from "./step/step_environment.ts";
import type { StepBegin } from "../store/step_store.ts";
import type { MetadataStore, RunId, RunStatus, StepRecord } from "../store/metadata_store.ts";

export interface ExecuteOptions {
  readonly graph: AssetGraph;
  readonly store: MetadataStore;
  readonly lake: Lake;
  readonly resources: Resources;
  readonly clock: Clock;
  readonly random?: () => number;
  /** Sinks for the run's log besides the metadata store (the terminal). */
  readonly logSinks?: readonly LogSink[];
  readonly runId: RunId;
  readonly command: string;
  readonly selection: string;
  readonly partitions: string;
  readonly concurrency: number;
  readonly force?: boolean;
  readonly fullRefresh?: boolean;
  readonly leaseTtlMs?: number;
  readonly lockWaitMs?: number;
  readonly lockPollMs?: number;
  /** Aborting it cancels the run: running steps are aborted, pending ones cancelled. */
  readonly signal?: AbortSignal;
  readonly hooks?: ExecutorHooks;
}

export interface RunResult {
  readonly runId: RunId;
  readonly status: RunStatus;
  /** One record per plan step, in plan order. */
  readonly steps: readonly StepRecord[];
}

export async function execute(plan: Plan, options: ExecuteOptions): Promise<RunResult> {
  const { store, clock, runId } = options;
  const startedAt = clock.now();
  const process = currentProcess();
  await store.runs.startRun({
    id: runId,
    command: options.command,
    selection: options.selection,
    partitions: options.partitions,
    host: process.host,
    pid: process.pid,
    processStart: process.start,
    processScope: process.scope,
    startedAt,
  });
  const runLog = new RunLog(store, runId);
  const log = createLogger([runLog.sink, ...(options.logSinks ?? [])], "info", { run: runId });
  const leaseTtlMs = options.leaseTtlMs ?? 30_000;
  await store.runs.heartbeat(runId, leaseTtlMs);
  const heartbeat = startHeartbeat(store, runId, leaseTtlMs, log);
  const cancel = new AbortController();
  const onAbort = () => cancel.abort(new Error("run cancelled"));
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener("abort", onAbort, { once: true });

  const outcomes = new Map<string, StepOutcome>();
  let prepared: Promise<void> | undefined;
  try {
    log.info(`run ${runId} started: ${plan.steps.length} steps`);
    // New partitions' places in the lake made durable together, not one step at a time, in
    // plan order beside the steps: a lake's allocate() waits for its partition's claim only.
    // Best effort: what it could not ready, allocate() reports for its step.
    prepared = options.lake.prepare?.(
      plan.steps.map((step) => ({ assetKey: step.key, partition: step.partition })),
    ).catch((error) => log.warn(`could not prepare the lake: ${errorMessage(error)}`));
    const env = {
      graph: options.graph,
      store,
      lake: options.lake,
      resources: options.resources,
      clock,
      random: options.random ?? Math.random,
      log,
      runId,
      owner: describeProcess(process),
      force: options.force ?? false,
      fullRefresh: options.fullRefresh ?? false,
      leaseTtlMs,
      lockWaitMs: options.lockWaitMs ?? 10 * 60_000,
      lockPollMs: options.lockPollMs ?? 500,
      hooks: options.hooks ?? {},
    };
    await schedule(plan, options.concurrency, outcomes, cancel.signal, {
      run: (step, chain) => runStep(env, step, cancel.signal, chain),
      // A step begun ahead that will not run: free its lease, put back its last attempt.
      release: async (step, begun) => {
        if (!begun.claimed) return;
        await store.steps.finish(step.key, step.partition, runId, { restore: begun.previous });
      },
    });
  } finally {
    await prepared;
    clearInterval(heartbeat);
    options.signal?.removeEventListener("abort", onAbort);
  }
  const steps = plan.steps.map((step) => outcomes.get(step.id)!.record);
  const status: RunStatus = cancel.signal.aborted
    ? "cancelled"
    : [...outcomes.values()].some(blocksDownstream)
    ? "failed"
    : "succeeded";
  log.info(`run ${runId} ${status}`);
  await store.runs.recordSteps(runId, steps);
  await store.runs.finishRun(runId, status, summarize(steps), clock.now());
  await runLog.flush();
  return { runId, status, steps };
}

/** What the scheduler does with a step: run it, or free the begin made ahead for it. */
interface StepRunner {
  run(step: PlanStep, chain: StepChain): Promise<StepOutcome>;
  release(step: PlanStep, begun: StepBegin): Promise<void>;
}

/**
 * Starts steps whose upstream steps are done, at most `concurrency` at a time, earliest in the
 * plan first. Each step's count of unfinished upstream steps makes the work per step constant,
 * however long the plan. While one step runs alone, the step that will start after it is known
 * (the earliest of the ready ones and those it is the last upstream of): its commit begins that
 * step in the same round trip (StepChain.next).
 */
async function schedule(
  plan: Plan,
  concurrency: number,
  outcomes: Map<string, StepOutcome>,
  signal: AbortSignal,
  runner: StepRunner,
): Promise<void> {
  const { steps } = plan;
  const indexOf = new Map(steps.map((step, i) => [step.id, i]));
  const unfinished = steps.map(() => 0);
  const downstream: number[][] = steps.map(() => []);
  steps.forEach((step, i) => {
    for (const id of new Set(step.upstreamSteps)) {
      const up = indexOf.get(id);
      if (up === undefined) continue;
      downstream[up].push(i);
      unfinished[i]++;
    }
  });
  const ready = new TinyQueue<number>(
    steps.flatMap((_, i) => unfinished[i] === 0 ? [i] : []),
    (a, b) => a - b,
  );
  /** Begins made ahead by a commit, by the index of the step they are for. */
  const begunAhead = new Map<number, PrefetchedBegin>();
  const done = (i: number, outcome: StepOutcome) => {
    outcomes.set(steps[i].id, outcome);
    for (const next of downstream[i]) if (--unfinished[next] === 0) ready.push(next);
  };
  const blockerOf = (step: PlanStep) =>
    step.upstreamSteps.find((id) => {
      const outcome = outcomes.get(id);
      return outcome !== undefined && blocksDownstream(outcome);
    });
  /** The step that starts once step `i` succeeds, if `i` is the only one running; else none. */
  const nextAfter = (i: number): PlanStep | undefined => {
    if (running.size !== 1 || signal.aborted) return undefined;
    let next = ready.peek();
    for (const d of downstream[i]) {
      if (unfinished[d] === 1 && (next === undefined || d < next)) next = d;
    }
    if (next === undefined || blockerOf(steps[next]) !== undefined) return undefined;
    return steps[next];
  };
  const running = new Set<Promise<void>>();
  const track = (work: Promise<void>) => {
    const tracked: Promise<void> = work.then(() => {
      running.delete(tracked);
    });
    running.add(tracked);
  };
  while (ready.length > 0 || running.size > 0) {
    while (ready.length > 0 && running.size < concurrency) {
      const i = ready.pop()!;
      const step = steps[i];
      const ahead = begunAhead.get(i);
      begunAhead.delete(i);
      const blocker = blockerOf(step);
      const skipped = signal.aborted
        ? skippedOutcome(step, "cancelled", "run cancelled")
        : blocker
        ? skippedOutcome(
          step,
          "skipped",
          `upstream ${blocker} ${
            outcomes.get(blocker)!.record.status === "skipped"
              ? "was skipped"
              : outcomes.get(blocker)!.record.status
          }`,
        )
        : undefined;
      if (skipped && ahead === undefined) {
        done(i, skipped);
      } else if (skipped) {
        track(runner.release(step, ahead!.begun).then(() => done(i, skipped)));
      } else {
        track(
          runner.run(step, { begun: ahead, next: () => nextAfter(i) }).then((outcome) => {
            if (outcome.next !== undefined) {
              begunAhead.set(indexOf.get(outcome.next.stepId)!, outcome.next);
            }
            done(i, outcome);
          }),
        );
      }
    }
    if (running.size > 0) await Promise.race(running);
  }
}

function skippedOutcome(
  step: PlanStep,
  status: "skipped" | "cancelled",
  reason: string,
): StepOutcome {
  return {
    record: {
      assetKey: step.key,
      partition: step.partition,
      status,
      attempts: 0,
      rows: undefined,
      durationMs: 0,
      reason,
      materializationId: undefined,
    },
    skip: status === "skipped" ? "blocked" : undefined,
  };
}

/** Keeps the run's leases and its own heartbeat deadline ahead of their TTL. */
function startHeartbeat(
  store: MetadataStore,
  runId: RunId,
  ttlMs: number,
  log: Logger,
): ReturnType<typeof setInterval> {
  const warn = (error: unknown) =>
    log.warn(`could not renew leases: ${error instanceof Error ? error.message : error}`);
  return setInterval(() => {
    store.leases.renewLeases(runId, ttlMs).catch(warn);
    store.runs.heartbeat(runId, ttlMs).catch(warn);
  }, Math.max(50, Math.floor(ttlMs / 3)));
}

function summarize(steps: readonly StepRecord[]): Record<string, JsonValue> {
  const counts: Record<string, number> = {};
  for (const step of steps) counts[step.status] = (counts[step.status] ?? 0) + 1;
  return { steps: steps.length, ...counts };
}
