// A step's commit: one metadata transaction records the materialization with its lineage, moves
// the pointer (and an alias the asset promotes), writes the asset's own commit-time rows and
// releases the lease. Before it, the previous version stays current. When the scheduler knows the
// step that runs next and the commit is a plain one, the same round trip begins that step.
import type { AssetDefinition } from "../../definitions/asset.ts";
import type { MaterializeResult } from "../../definitions/context.ts";
import type { LakeLocation, SealedLocation } from "../../definitions/lake.ts";
import type { ConsumedInput, DataVersion } from "../../definitions/version.ts";
import { inputSignature } from "../../definitions/version.ts";
import type {
  CurrentPointer,
  MaterializationId,
  NewMaterialization,
} from "../../store/metadata_store.ts";
import type { PlanStep } from "../plan.ts";
import { stepStart } from "./lease.ts";
import type { PrefetchedBegin, StepChain, StepEnvironment } from "./step_environment.ts";
import { stepReads } from "./step_inputs.ts";

export interface StagedOutput {
  readonly id: MaterializationId;
  readonly output: LakeLocation;
  readonly sealed: SealedLocation;
  readonly dataVersion: DataVersion;
  readonly result: MaterializeResult;
  readonly consumed: readonly ConsumedInput[];
  readonly startedAt: Date;
  /** The partition's pointer when the attempt read its inputs. */
  readonly replaced: CurrentPointer | undefined;
}

/** Commits `staged`; the next step's begin when the commit made it (see StepChain.next). */
export async function commitStep(
  env: StepEnvironment,
  definition: AssetDefinition,
  step: PlanStep,
  staged: StagedOutput,
  chain: StepChain = {},
): Promise<PrefetchedBegin | undefined> {
  const { result } = staged;
  const materialization: NewMaterialization = {
    id: staged.id,
    runId: env.runId,
    assetKey: step.key,
    partition: step.partition,
    dataVersion: staged.dataVersion,
    codeVersion: definition.codeVersion,
    inputSignature: inputSignature(staged.consumed),
    location: staged.output.uri,
    rows: result.rows,
    bytes: staged.sealed.bytes,
    metadata: result.metadata ?? {},
    inputs: staged.consumed,
    startedAt: staged.startedAt,
    committedAt: env.clock.now(),
  };
  // Commit-time work of the asset's own needs commitMaterialization's transaction.
  const plain = !result.inCommit && !result.moveAlias && !result.requireUnchanged;
  const next = plain ? chain.next?.() : undefined;
  if (next !== undefined) {
    const reads = stepReads(env, next);
    const begun = await env.store.steps.commitAndBegin(
      materialization,
      stepStart(env, next, reads),
    );
    return begun && { stepId: next.id, reads, begun };
  }
  await env.store.partitions.commitMaterialization(materialization, {
    inCommit: result.inCommit,
    moveAlias: result.moveAlias && {
      alias: result.moveAlias.alias,
      reason: result.moveAlias.reason,
      movedBy: `run ${env.runId}`,
      ...(result.moveAlias.expectedFrom !== undefined && {
        expectedFrom: result.moveAlias.expectedFrom as MaterializationId | null,
      }),
    },
    expectedCurrent: result.requireUnchanged
      ? { materializationId: staged.replaced?.materializationId }
      : undefined,
  });
  return undefined;
}
