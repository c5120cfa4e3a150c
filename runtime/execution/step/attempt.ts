// One attempt at a step: a fresh lake location, the asset's materialize function under its
// timeout, the sealed output with its data version, the checks, and the commit.
import type { AssetDefinition } from "../../definitions/asset.ts";
import type { AssetKey } from "../../definitions/asset_key.ts";
import type {
  AliasedVersion,
  MaterializeContext,
  UpstreamPartition,
} from "../../definitions/context.ts";
import { locationParts } from "../../definitions/part_set.ts";
import type { LakeLocation } from "../../definitions/lake.ts";
import { dataVersion } from "../../definitions/version.ts";
import { SluiceError } from "../../errors.ts";
import type { Logger } from "../../logger.ts";
import type { MaterializationId } from "../../store/metadata_store.ts";
import type { PlanStep } from "../plan.ts";
import { assertBlockingChecksPassed, runChecks } from "./checks.ts";
import { commitStep } from "./commit.ts";
import type { PrefetchedBegin, StepChain, StepEnvironment } from "./step_environment.ts";
import { openPointer, openUpstream, type StepInputs } from "./step_inputs.ts";
import { withTimeout } from "./timeout.ts";

/** Outputs up to this size are written without leaving the event loop. */
const SMALL_OUTPUT_BYTES = 64 * 1024;

export interface AttemptResult {
  readonly id: MaterializationId;
  readonly rows: number | undefined;
  /** The next step's begin, when the commit made it. */
  readonly next: PrefetchedBegin | undefined;
}

export async function attemptOnce(
  env: StepEnvironment,
  definition: AssetDefinition,
  step: PlanStep,
  inputs: StepInputs,
  attempt: number,
  runSignal: AbortSignal,
  log: Logger,
  chain: StepChain = {},
): Promise<AttemptResult> {
  const startedAt = env.clock.now();
  const id = crypto.randomUUID() as MaterializationId;
  const output = await env.lake.allocate(step.key, step.partition, id);
  const upstream = await openUpstream(env, inputs);
  const contextFor = (signal: AbortSignal) =>
    materializeContext(env, definition, step, inputs, attempt, output, upstream, signal, log);
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
    // A small output is written synchronously: quicker than a trip to the thread pool.
    if (bytes.byteLength <= SMALL_OUTPUT_BYTES) Deno.writeFileSync(`${output.dir}/data`, bytes);
    else await Deno.writeFile(`${output.dir}/data`, bytes);
  }
  const sealed = await env.lake.seal(output);
  const checks = await runChecks(env, definition, contextFor(runSignal), result);
  await env.store.checks.recordCheckResults(
    env.runId,
    step.key,
    step.partition,
    id,
    checks,
    env.clock.now(),
  );
  assertBlockingChecksPassed(checks, output.uri);
  await env.hooks.beforeCommit?.(step, output);
  const next = await commitStep(env, definition, step, {
    id,
    output,
    sealed,
    dataVersion: result.dataVersion === undefined
      ? sealed.dataVersion
      : dataVersion(result.dataVersion),
    result,
    consumed: inputs.consumed,
    startedAt,
    replaced: inputs.own,
  }, chain);
  return { id, rows: result.rows, next };
}

function materializeContext(
  env: StepEnvironment,
  definition: AssetDefinition,
  step: PlanStep,
  inputs: StepInputs,
  attempt: number,
  output: LakeLocation,
  upstream: readonly UpstreamPartition[],
  signal: AbortSignal,
  log: Logger,
): MaterializeContext {
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
    current: () =>
      inputs.own === undefined
        ? Promise.resolve(undefined)
        : openPointer(env, { assetKey: step.key, partition: step.partition }, inputs.own),
    aliasTarget: (alias) => openAliasTarget(env, step.key, alias),
    now: () => env.clock.now(),
  };
}

/** The materialization an alias of `key` points at, with its metadata and files. */
async function openAliasTarget(
  env: StepEnvironment,
  key: AssetKey,
  alias: string,
): Promise<AliasedVersion | undefined> {
  const target = await env.store.aliases.current(key, alias);
  if (target === undefined) return undefined;
  const record = await env.store.partitions.getMaterialization(target.materializationId);
  return {
    key,
    partition: target.partition,
    dataVersion: target.dataVersion,
    parts: await Promise.all(locationParts(target.location).map((uri) => env.lake.open(uri))),
    alias,
    materializationId: target.materializationId,
    metadata: record?.metadata ?? {},
    movedAt: target.movedAt,
  };
}
