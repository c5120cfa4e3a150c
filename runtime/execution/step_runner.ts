// Runs one plan step: takes the partition's lease, materializes with retries and a timeout,
// seals the output, runs the checks, and commits the new pointer with its lineage in one
// transaction. Anything that fails before the commit leaves the previous version current.
import type { AssetDefinition } from "../definitions/asset.ts";
import type { AssetKey } from "../definitions/asset_key.ts";
import type { CheckResult } from "../definitions/check.ts";
import type { Clock } from "../clock.ts";
import type { MaterializeContext, MaterializeResult, UpstreamPartition } from "../definitions/context.ts";
import { errorMessage, SluiceError, TimeoutError } from "../errors.ts";
import type { AssetGraph } from "../graph/asset_graph.ts";
import { consumedInputs, type MappedInput, mappedInputs } from "./inputs.ts";
import type { Lake, LakeLocation } from "../definitions/lake.ts";
import type { Logger } from "../logger.ts";
import { displayPartition, type PartitionKey } from "../partitions/partition_key.ts";
import { locationParts } from "../definitions/part_set.ts";
import type { PlanStep } from "./plan.ts";
import { retryDelayMs } from "../definitions/policies.ts";
import type { Resources } from "../definitions/resources.ts";
import {
  type MaterializationId,
  type MetadataStore,
  type PartitionState,
  pointerKey,
  type RunId,
  type StateIndex,
  type StepRecord,
  type StepStatus,
} from "../store/metadata_store.ts";
import { type ConsumedInput, dataVersion, inputSignature } from "../definitions/version.ts";

export interface ExecutorHooks {
  /** Called after the output is sealed and checked, just before the commit (tests crash here). */
  readonly beforeCommit?: (step: PlanStep, output: LakeLocation) => Promise<void>;
}

export interface StepEnvironment {
  readonly graph: AssetGraph;
  readonly store: MetadataStore;
  readonly lake: Lake;
  readonly resources: Resources;
  readonly clock: Clock;
  readonly random: () => number;
  readonly log: Logger;
  /** Updated in place as this run's commits land, so downstream steps see them. */
  readonly states: StateIndex;
  readonly runId: RunId;
  readonly owner: string;
  readonly force: boolean;
  readonly fullRefresh: boolean;
  readonly leaseTtlMs: number;
  readonly lockWaitMs: number;
  readonly lockPollMs: number;
  readonly hooks: ExecutorHooks;
}

export interface StepOutcome {
  readonly record: StepRecord;
  /** Whether downstream steps must be skipped because of this one. */
  readonly blocksDownstream: boolean;
}

/** A blocking check failed: the output stays uncommitted and retrying would not help. */
class CheckFailedError extends SluiceError {
  override name = "CheckFailedError";
}

export async function runStep(
  env: StepEnvironment,
  step: PlanStep,
  signal: AbortSignal,
): Promise<StepOutcome> {
  const started = performance.now();
  const definition = env.graph.definition(step.key);
  const log = env.log.child(
    step.partition === "" ? { asset: step.key } : { asset: step.key, partition: step.partition },
  );
  const finish = (
    status: StepStatus,
    reason: string,
    extra: { attempts?: number; rows?: number; materializationId?: MaterializationId } = {},
  ): StepOutcome => ({
    record: {
      assetKey: step.key,
      partition: step.partition,
      status,
      attempts: extra.attempts ?? 0,
      rows: extra.rows,
      durationMs: Math.round(performance.now() - started),
      reason,
      materializationId: extra.materializationId,
    },
    blocksDownstream: status === "failed" || status === "cancelled" ||
      (status === "skipped" && extra.materializationId === undefined &&
        !reason.startsWith("fresh")),
  });

  const lease = await acquireLease(env, step, signal, log);
  if (!lease.ok) return finish(lease.status, lease.reason);
  let committed = false;
  try {
    if (lease.waitedFor) await reloadStates(env);
    const inputs = mappedInputs(env.graph, env.states, step.key, step.partition, env.clock.now());
    if (
      (step.conditional || lease.waitedFor) && !env.force &&
      isCurrent(env, definition, step, inputs)
    ) {
      return finish(
        "skipped",
        lease.waitedFor
          ? `fresh: materialized meanwhile by run ${lease.waitedFor}`
          : "fresh: upstream re-materialized with the same data version",
      );
    }
    const missing = missingUpstream(env.graph, step, inputs);
    if (missing) return finish("skipped", missing);

    await env.store.recordAttempt(step.key, step.partition, {
      runId: env.runId,
      status: "running",
      at: env.clock.now(),
      error: undefined,
    });
    const maxAttempts = definition.retry.maxAttempts;
    for (let attempt = 1;; attempt++) {
      try {
        const done = await attemptOnce(env, definition, step, inputs, attempt, signal, log);
        committed = true;
        log.info(`materialized ${step.id}`, { rows: done.rows, attempt });
        return finish("succeeded", step.reasons.join("; "), {
          attempts: attempt,
          rows: done.rows,
          materializationId: done.id,
        });
      } catch (error) {
        if (signal.aborted) {
          await recordLastAttempt(env, step, "cancelled", "run cancelled");
          return finish("cancelled", "run cancelled", { attempts: attempt });
        }
        const message = errorMessage(error);
        const final = attempt >= maxAttempts || error instanceof CheckFailedError;
        log.warn(`attempt ${attempt} of ${maxAttempts} failed: ${message}`);
        if (final) {
          await recordLastAttempt(env, step, "failed", message);
          return finish("failed", message, { attempts: attempt });
        }
        const delay = retryDelayMs(definition.retry, attempt, env.random);
        log.info(`retrying in ${delay} ms`);
        try {
          await env.clock.sleep(delay, signal);
        } catch {
          await recordLastAttempt(env, step, "cancelled", "run cancelled");
          return finish("cancelled", "run cancelled", { attempts: attempt });
        }
      }
    }
  } finally {
    // A commit releases the lease in its own transaction; every other path releases it here.
    if (!committed) await env.store.release(step.key, step.partition, env.runId);
  }
}

async function attemptOnce(
  env: StepEnvironment,
  definition: AssetDefinition,
  step: PlanStep,
  inputs: readonly MappedInput[],
  attempt: number,
  runSignal: AbortSignal,
  log: Logger,
): Promise<{ id: MaterializationId; rows: number | undefined }> {
  const startedAt = env.clock.now();
  const id = crypto.randomUUID() as MaterializationId;
  const output = await env.lake.allocate(step.key, step.partition, id);
  const { upstream, consumed } = await openInputs(env, inputs);
  const contextFor = (signal: AbortSignal) =>
    materializeContext(env, step, attempt, output, upstream, signal, log);
  const result = await withTimeout(
    definition.key,
    definition.timeoutMs,
    runSignal,
    (signal) => definition.materialize(contextFor(signal)),
  );
  if (result.data !== undefined) {
    const bytes = typeof result.data === "string"
      ? new TextEncoder().encode(result.data)
      : result.data;
    await Deno.writeFile(`${output.dir}/data`, bytes);
  }
  const sealed = await env.lake.seal(output);
  const version = result.dataVersion === undefined
    ? sealed.dataVersion
    : dataVersion(result.dataVersion);
  const checks = await runChecks(env, definition, contextFor(runSignal), result);
  await env.store.recordCheckResults(
    env.runId,
    step.key,
    step.partition,
    id,
    checks,
    env.clock.now(),
  );
  const failed = checks.filter((c) => !c.passed && c.severity === "error");
  if (failed.length > 0) {
    throw new CheckFailedError(
      `check ${failed.map((c) => `'${c.name}'`).join(", ")} failed: ${
        failed[0].message
      }; output kept uncommitted at ${output.uri}`,
    );
  }
  await env.hooks.beforeCommit?.(step, output);
  const committedAt = env.clock.now();
  await env.store.commitMaterialization({
    id,
    runId: env.runId,
    assetKey: step.key,
    partition: step.partition,
    dataVersion: version,
    codeVersion: definition.codeVersion,
    inputSignature: inputSignature(consumed),
    location: output.uri,
    rows: result.rows,
    bytes: sealed.bytes,
    metadata: result.metadata ?? {},
    inputs: consumed,
    startedAt,
    committedAt,
    ...(result.commitWith && { alongside: result.commitWith }),
  });
  setState(env.states, step.key, step.partition, {
    current: {
      dataVersion: version,
      codeVersion: definition.codeVersion,
      inputSignature: inputSignature(consumed),
      at: committedAt,
    },
    lastAttempt: { runId: env.runId, status: "succeeded", at: committedAt, error: undefined },
  });
  return { id, rows: result.rows };
}

function materializeContext(
  env: StepEnvironment,
  step: PlanStep,
  attempt: number,
  output: LakeLocation,
  upstream: readonly UpstreamPartition[],
  signal: AbortSignal,
  log: Logger,
): MaterializeContext {
  const definition = env.graph.definition(step.key);
  const declared = new Set(definition.deps.map((d) => d.key));
  return {
    key: step.key,
    partition: step.partition,
    window: definition.partitions.window(step.partition),
    runId: env.runId,
    attempt,
    fullRefresh: env.fullRefresh,
    resources: env.resources,
    log,
    signal,
    output,
    input(asset) {
      return this.inputByKey(asset.key);
    },
    inputByKey(key) {
      if (!declared.has(key)) {
        throw new SluiceError(
          `Asset '${step.key}' read '${key}', which is not one of its upstreams: add it to its deps`,
        );
      }
      return upstream.filter((u) => u.key === key);
    },
  };
}

/**
 * Reads the current pointers of the inputs in one query and opens their files. The versions
 * recorded as lineage are those of the pointers read here, the files the asset actually sees.
 */
async function openInputs(
  env: StepEnvironment,
  inputs: readonly MappedInput[],
): Promise<{ upstream: UpstreamPartition[]; consumed: ConsumedInput[] }> {
  const present = consumedInputs(inputs);
  const pointers = await env.store.loadPointers(
    present.map((input) => ({
      assetKey: input.assetKey as AssetKey,
      partition: input.partition as PartitionKey,
    })),
  );
  const upstream: UpstreamPartition[] = [];
  const consumed: ConsumedInput[] = [];
  for (const input of present) {
    const key = input.assetKey as AssetKey;
    const partition = input.partition as PartitionKey;
    const pointer = pointers.get(pointerKey(key, partition));
    if (pointer === undefined) continue;
    consumed.push({ assetKey: key, partition, dataVersion: pointer.dataVersion });
    upstream.push({
      key,
      partition,
      dataVersion: pointer.dataVersion,
      parts: pointer.location === undefined
        ? []
        : await Promise.all(locationParts(pointer.location).map((uri) => env.lake.open(uri))),
    });
  }
  return { upstream, consumed };
}

async function runChecks(
  env: StepEnvironment,
  definition: AssetDefinition,
  ctx: MaterializeContext,
  result: MaterializeResult,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const log = ctx.log;
  for (const check of definition.checks) {
    try {
      const outcome = await check.run({
        key: ctx.key,
        partition: ctx.partition,
        window: ctx.window,
        output: ctx.output,
        metadata: result.metadata ?? {},
        resources: ctx.resources,
        log,
        now: env.clock.now(),
        inputByKey: (key) => ctx.inputByKey(key),
      });
      results.push({ ...outcome, name: check.name, severity: check.severity });
    } catch (error) {
      results.push({
        name: check.name,
        severity: check.severity,
        passed: false,
        message: `check raised an error: ${errorMessage(error)}`,
      });
    }
    const last = results[results.length - 1];
    if (!last.passed) log.warn(`check ${check.name} (${check.severity}) failed: ${last.message}`);
  }
  return results;
}

/** Runs `fn` with a signal that aborts on the run's cancellation or after `timeoutMs`. */
async function withTimeout<T>(
  key: AssetKey,
  timeoutMs: number,
  runSignal: AbortSignal,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const onRunAbort = () => controller.abort(runSignal.reason);
  // A run cancelled while this step was still starting never fires the event again.
  if (runSignal.aborted) onRunAbort();
  runSignal.addEventListener("abort", onRunAbort, { once: true });
  const timer = setTimeout(() => controller.abort(new TimeoutError(key, timeoutMs)), timeoutMs);
  try {
    // The function may ignore its signal; racing it keeps the run from hanging on it.
    const aborted = new Promise<never>((_, reject) => {
      if (controller.signal.aborted) reject(controller.signal.reason);
      controller.signal.addEventListener("abort", () => reject(controller.signal.reason), {
        once: true,
      });
    });
    return await Promise.race([fn(controller.signal), aborted]);
  } finally {
    clearTimeout(timer);
    runSignal.removeEventListener("abort", onRunAbort);
  }
}

type LeaseResult =
  | { ok: true; waitedFor: string | undefined }
  | { ok: false; status: StepStatus; reason: string };

async function acquireLease(
  env: StepEnvironment,
  step: PlanStep,
  signal: AbortSignal,
  log: Logger,
): Promise<LeaseResult> {
  const deadline = performance.now() + env.lockWaitMs;
  let waitedFor: string | undefined;
  for (;;) {
    const claim = await env.store.claim(
      step.key,
      step.partition,
      env.runId,
      env.owner,
      env.leaseTtlMs,
    );
    if (claim.claimed) return { ok: true, waitedFor };
    if (waitedFor === undefined) {
      log.info(
        `waiting: ${step.id} is being materialized by run ${claim.heldBy.runId} (${claim.heldBy.owner})`,
      );
    }
    waitedFor = claim.heldBy.runId;
    if (performance.now() >= deadline) {
      return {
        ok: false,
        status: "skipped",
        reason:
          `taken: being materialized by run ${claim.heldBy.runId} (${claim.heldBy.owner}); gave up after waiting ${env.lockWaitMs} ms`,
      };
    }
    try {
      await env.clock.sleep(env.lockPollMs, signal);
    } catch {
      return { ok: false, status: "cancelled", reason: "run cancelled" };
    }
  }
}

function isCurrent(
  env: StepEnvironment,
  definition: AssetDefinition,
  step: PlanStep,
  inputs: readonly MappedInput[],
): boolean {
  const current = env.states.get(step.key)?.get(step.partition)?.current;
  return current !== undefined && current.codeVersion === definition.codeVersion &&
    current.inputSignature === inputSignature(consumedInputs(inputs));
}

/** A reason to skip when no upstream has any mapped partition materialized (or observed). */
function missingUpstream(
  graph: AssetGraph,
  step: PlanStep,
  inputs: readonly MappedInput[],
): string | undefined {
  if (inputs.length === 0 || inputs.some((i) => i.dataVersion !== undefined)) return undefined;
  const edge = graph.upstreamEdges(step.key)[0];
  const partitions = inputs.filter((i) => i.assetKey === edge.upstream)
    .map((i) => displayPartition(i.partition as PartitionKey));
  const what = graph.get(edge.upstream).kind === "source"
    ? "was never observed with data"
    : "was never materialized";
  return `no upstream has data: ${edge.upstream} (partition ${partitions.slice(0, 3).join(", ")}${
    partitions.length > 3 ? ", …" : ""
  }) ${what}; select +${step.key} to include it`;
}

async function recordLastAttempt(
  env: StepEnvironment,
  step: PlanStep,
  status: "failed" | "cancelled",
  error: string,
): Promise<void> {
  await env.store.recordAttempt(step.key, step.partition, {
    runId: env.runId,
    status,
    at: env.clock.now(),
    error,
  });
}

async function reloadStates(env: StepEnvironment): Promise<void> {
  const fresh = await env.store.loadStates();
  const target = env.states as Map<AssetKey, Map<PartitionKey, PartitionState>>;
  target.clear();
  for (const [key, partitions] of fresh) target.set(key, new Map(partitions));
}

function setState(
  states: StateIndex,
  key: AssetKey,
  partition: PartitionKey,
  state: PartitionState,
): void {
  const target = states as Map<AssetKey, Map<PartitionKey, PartitionState>>;
  let forAsset = target.get(key);
  if (!forAsset) target.set(key, forAsset = new Map());
  forAsset.set(partition, state);
}
