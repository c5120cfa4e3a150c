// A step's commit: one metadata transaction records the materialization with its lineage, moves
// the pointer (and an alias the asset promotes), writes the asset's own commit-time rows and
// releases the lease. Before it, the previous version stays current.
import type { AssetDefinition } from "../../definitions/asset.ts";
import type { MaterializeResult } from "../../definitions/context.ts";
import type { LakeLocation, SealedLocation } from "../../definitions/lake.ts";
import type { ConsumedInput, DataVersion } from "../../definitions/version.ts";
import { inputSignature } from "../../definitions/version.ts";
import type { CurrentPointer, MaterializationId } from "../../store/metadata_store.ts";
import type { PlanStep } from "../plan.ts";
import type { StepEnvironment } from "./step_environment.ts";

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

export async function commitStep(
  env: StepEnvironment,
  definition: AssetDefinition,
  step: PlanStep,
  staged: StagedOutput,
): Promise<void> {
  const { result } = staged;
  await env.store.partitions.commitMaterialization({
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
  }, {
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
}
