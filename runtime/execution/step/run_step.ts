// Runs one plan step: takes the partition's lease (reading its inputs in the same round trip),
// decides from what the store holds whether it still has to run, then attempts it with retries
// and backoff until it commits, fails for good or is cancelled. Anything that fails before the
// commit leaves the previous version current.
import { errorMessage } from "../../errors.ts";
import { aliasOfPartition, displayPartition } from "../../partitions/partition_key.ts";
import { retryDelayMs } from "../../definitions/policies.ts";
import { isUpToDate } from "../../staleness/staleness.ts";
import type {
  LastAttempt,
  MaterializationId,
  RunId,
  StepEnd,
  StepStatus,
} from "../../store/metadata_store.ts";
import type { PlanStep } from "../plan.ts";
import { attemptOnce } from "./attempt.ts";
import { classifyFailure, retries } from "./failure_classifier.ts";
import { acquireLease } from "./lease.ts";
import type { SkipKind, StepChain, StepEnvironment, StepOutcome } from "./step_environment.ts";
import type { StepInputs } from "./step_inputs.ts";

interface Finish {
  readonly status: StepStatus;
  readonly reason: string;
  readonly skip?: SkipKind;
  readonly attempts?: number;
  readonly rows?: number;
  readonly materializationId?: MaterializationId;
}

/** `chain` links the step to the one before (its begin made ahead) and the one after. */
export async function runStep(
  env: StepEnvironment,
  step: PlanStep,
  signal: AbortSignal,
  chain: StepChain = {},
): Promise<StepOutcome> {
  const started = performance.now();
  const finish = (f: Finish): StepOutcome => ({
    record: {
      assetKey: step.key,
      partition: step.partition,
      status: f.status,
      attempts: f.attempts ?? 0,
      rows: f.rows,
      durationMs: Math.round(performance.now() - started),
      reason: f.reason,
      materializationId: f.materializationId,
    },
    skip: f.skip,
  });
  const log = env.log.child(
    step.partition === "" ? { asset: step.key } : { asset: step.key, partition: step.partition },
  );

  const lease = await acquireLease(env, step, signal, log, chain.begun);
  if (!lease.ok) {
    return lease.cancelled
      ? finish({ status: "cancelled", reason: lease.reason })
      : finish({ status: "skipped", reason: lease.reason, skip: "blocked" });
  }
  // The lease is held and the attempt marked running until the commit or end() frees it.
  let ended = false;
  const end = async (how: StepEnd, outcome: Finish): Promise<StepOutcome> => {
    ended = true;
    await env.store.steps.finish(step.key, step.partition, env.runId, how);
    return finish(outcome);
  };
  try {
    const { inputs } = lease;
    // A step that does not run puts back the last attempt its running mark replaced.
    const current = alreadyCurrent(env, step, inputs, lease.waitedFor);
    if (current !== undefined) {
      return await end({ restore: lease.previous }, {
        status: "skipped",
        reason: current,
        skip: "current",
      });
    }
    // Nothing to read yet (an alias that points nowhere, or no upstream data at all): the step
    // waits, as the plan would have had it; its downstreams go on with what they have.
    const missing = aliasPointingNowhere(step, inputs) ?? missingUpstream(env, step, inputs);
    if (missing !== undefined) {
      return await end({ restore: lease.previous }, {
        status: "skipped",
        reason: missing,
        skip: "waiting",
      });
    }

    const definition = env.graph.definition(step.key);
    for (let attempt = 1;; attempt++) {
      try {
        const done = await attemptOnce(env, definition, step, inputs, attempt, signal, log, {
          next: chain.next,
        });
        // The commit released the lease in its own transaction.
        ended = true;
        log.info(`materialized ${step.id}`, { rows: done.rows, attempt });
        return {
          ...finish({
            status: "succeeded",
            reason: step.reasons.join("; "),
            attempts: attempt,
            rows: done.rows,
            materializationId: done.id,
          }),
          next: done.next,
        };
      } catch (error) {
        if (signal.aborted) return await cancelled(env, attempt, end);
        const message = errorMessage(error);
        const maxAttempts = definition.retry.maxAttempts;
        // A failure that would repeat (a SQL or type error, a failed check) is not retried.
        const failure = classifyFailure(error);
        const retry = attempt < maxAttempts && retries(definition.retry, error, failure);
        log.warn(`attempt ${attempt} of ${maxAttempts} failed: ${message}`, {
          failure: failure.kind,
        });
        if (!retry) {
          if (attempt < maxAttempts) log.info(`not retried: ${failure.reason} fails again`);
          return await end(
            { attempt: lastAttempt(env, "failed", message) },
            { status: "failed", reason: message, attempts: attempt },
          );
        }
        const delay = retryDelayMs(definition.retry, attempt, env.random);
        log.info(`retrying in ${delay} ms`);
        try {
          await env.clock.sleep(delay, signal);
        } catch {
          return await cancelled(env, attempt, end);
        }
      }
    }
  } finally {
    // Something failed before the step could say how it ended (the store, say): free the
    // lease and leave the running mark, which then reads as an abandoned attempt.
    if (!ended) await env.store.leases.release(step.key, step.partition, env.runId);
  }
}

/**
 * Why the step need not run, decided from what the store holds now: its partition already
 * reflects its code and current inputs, and either it is in the plan only in case an upstream
 * changed, or another run made it current after the plan was made. (A partition in the plan
 * for a time-based reason, such as a freshness policy, still runs.)
 */
function alreadyCurrent(
  env: StepEnvironment,
  step: PlanStep,
  inputs: StepInputs,
  waitedFor: RunId | undefined,
): string | undefined {
  if (env.force) return undefined;
  const codeVersion = env.graph.definition(step.key).codeVersion;
  if (!isUpToDate(inputs.own, codeVersion, inputs.signature)) return undefined;
  const movedSincePlan = inputs.own?.at.getTime() !== step.plannedCurrentAt?.getTime();
  if (movedSincePlan) {
    return waitedFor
      ? `fresh: materialized meanwhile by run ${waitedFor}`
      : "fresh: materialized meanwhile by another run";
  }
  return step.conditional
    ? "fresh: upstream re-materialized with the same data version"
    : undefined;
}

/** A reason to skip when an alias the step reads points at nothing (no version promoted yet). */
function aliasPointingNowhere(step: PlanStep, inputs: StepInputs): string | undefined {
  const unpointed = inputs.mapped.find((m) =>
    m.pointer === undefined && aliasOfPartition(m.partition) !== undefined
  );
  if (unpointed === undefined) return undefined;
  return `waiting: alias ${aliasOfPartition(unpointed.partition)} of ${unpointed.assetKey} ` +
    `points at nothing yet; ${step.key} reads it`;
}

/** A reason to skip when no upstream has any mapped partition materialized (or observed). */
function missingUpstream(
  env: StepEnvironment,
  step: PlanStep,
  inputs: StepInputs,
): string | undefined {
  if (inputs.mapped.length === 0 || inputs.consumed.length > 0) return undefined;
  const first = inputs.mapped[0].assetKey;
  const partitions = inputs.mapped.filter((m) => m.assetKey === first)
    .map((m) => displayPartition(m.partition));
  const what = env.graph.get(first).kind === "source"
    ? "was never observed with data"
    : "was never materialized";
  return `no upstream has data: ${first} (partition ${partitions.slice(0, 3).join(", ")}${
    partitions.length > 3 ? ", …" : ""
  }) ${what}; select +${step.key} to include it`;
}

function cancelled(
  env: StepEnvironment,
  attempt: number,
  end: (how: StepEnd, outcome: Finish) => Promise<StepOutcome>,
): Promise<StepOutcome> {
  return end(
    { attempt: lastAttempt(env, "cancelled", "run cancelled") },
    { status: "cancelled", reason: "run cancelled", attempts: attempt },
  );
}

function lastAttempt(
  env: StepEnvironment,
  status: "failed" | "cancelled",
  error: string,
): LastAttempt {
  return { runId: env.runId, status, at: env.clock.now(), error };
}
