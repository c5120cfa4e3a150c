// A step's lease: taken before anything is read, so one run at a time materializes a partition;
// the same round trip (StepStore.begin) reads the step's inputs after the claim and marks its
// attempt running. A step that finds the lease held waits for it, up to the run's lock wait. A
// lease whose holder is a dead process on this machine is taken over at once, and its run marked
// abandoned.
import type { Logger } from "../../logger.ts";
import { describeProcess, probeProcess } from "../../process_identity.ts";
import type { PartitionRef } from "../../definitions/partition_ref.ts";
import type { LastAttempt, Lease, RunId } from "../../store/metadata_store.ts";
import type { StepStart } from "../../store/step_store.ts";
import { abandonRun } from "../dead_runs.ts";
import type { PlanStep } from "../plan.ts";
import type { PrefetchedBegin, StepEnvironment } from "./step_environment.ts";
import { type StepInputs, stepInputs, stepReads } from "./step_inputs.ts";

export type LeaseResult =
  | {
    readonly ok: true;
    readonly waitedFor: RunId | undefined;
    /** What the step reads, as the store held it once the lease was taken. */
    readonly inputs: StepInputs;
    /** The partition's last attempt before this step marked it running. */
    readonly previous: LastAttempt | undefined;
  }
  | { readonly ok: false; readonly cancelled: boolean; readonly reason: string };

/**
 * `prefetched`, the begin the commit of the step before made for this one, counts as the first
 * try: when it lost to another run's lease the step waits as after its own begin.
 */
export async function acquireLease(
  env: StepEnvironment,
  step: PlanStep,
  signal: AbortSignal,
  log: Logger,
  prefetched?: PrefetchedBegin,
): Promise<LeaseResult> {
  const deadline = performance.now() + env.lockWaitMs;
  const reads = prefetched?.reads ?? stepReads(env, step);
  let ahead = prefetched?.begun;
  let waitedFor: RunId | undefined;
  for (;;) {
    const begun = ahead ?? await env.store.steps.begin(stepStart(env, step, reads));
    ahead = undefined;
    if (begun.claimed) {
      const inputs = stepInputs(reads, begun.pointers);
      return { ok: true, waitedFor, inputs, previous: begun.previous };
    }
    if (await tookOverFromDead(env, begun.heldBy, log)) continue;
    if (waitedFor === undefined) {
      log.info(
        `waiting: ${step.id} is being materialized by run ${begun.heldBy.runId} (${begun.heldBy.owner})`,
      );
    }
    waitedFor = begun.heldBy.runId;
    if (performance.now() >= deadline) {
      return {
        ok: false,
        cancelled: false,
        reason:
          `taken: being materialized by run ${begun.heldBy.runId} (${begun.heldBy.owner}); gave up after waiting ${env.lockWaitMs} ms`,
      };
    }
    try {
      await env.clock.sleep(env.lockPollMs, signal);
    } catch {
      return { ok: false, cancelled: true, reason: "run cancelled" };
    }
  }
}

/** What the store's begin of `step` takes: its partition, this run, and the pointers it reads. */
export function stepStart(
  env: StepEnvironment,
  step: PlanStep,
  reads: readonly PartitionRef[],
): StepStart {
  return {
    assetKey: step.key,
    partition: step.partition,
    runId: env.runId,
    owner: env.owner,
    ttlMs: env.leaseTtlMs,
    at: env.clock.now(),
    reads,
  };
}

/** Abandons the lease holder's run if its process is provably gone; true if it did. */
async function tookOverFromDead(env: StepEnvironment, lease: Lease, log: Logger): Promise<boolean> {
  if (lease.holder === undefined || probeProcess(lease.holder) !== "gone") return false;
  const reason = `its process ${
    describeProcess(lease.holder)
  } is gone (noticed by run ${env.runId} waiting for ${lease.assetKey} ${
    lease.partition || "(unpartitioned)"
  })`;
  if (await abandonRun(env.store, lease.runId, reason, env.clock.now())) {
    log.warn(`run ${lease.runId} abandoned: ${reason}`);
  }
  return true;
}
