// What a step reads, read from the store with its lease (StepStore.begin): the partition's own
// current pointer and the current pointer of every upstream partition it maps to. The versions
// recorded as lineage are these, the files the asset actually sees.
import type { UpstreamPartition } from "../../definitions/context.ts";
import { partitionRefKey } from "../../definitions/partition_ref.ts";
import type { PartitionRef } from "../../definitions/partition_ref.ts";
import { locationParts } from "../../definitions/part_set.ts";
import {
  type ConsumedInput,
  type InputSignature,
  inputSignature,
} from "../../definitions/version.ts";
import type { CurrentPointer } from "../../store/metadata_store.ts";
import type { PlanStep } from "../plan.ts";
import type { StepEnvironment } from "./step_environment.ts";

/** An upstream partition the step maps to, with its pointer when it has one. */
export interface MappedPointer extends PartitionRef {
  readonly pointer: CurrentPointer | undefined;
}

export interface StepInputs {
  /** The partition's own current pointer. */
  readonly own: CurrentPointer | undefined;
  /** Every mapped upstream partition, in graph order. */
  readonly mapped: readonly MappedPointer[];
  /** The mapped partitions that have a version: what a materialization consumes. */
  readonly consumed: readonly ConsumedInput[];
  readonly signature: InputSignature;
}

/** The partitions a step reads the pointers of: its own first, then every mapped upstream one. */
export function stepReads(env: StepEnvironment, step: PlanStep): PartitionRef[] {
  const refs: PartitionRef[] = [{ assetKey: step.key, partition: step.partition }];
  for (
    const { edge, partitions } of env.graph.upstreamPartitions(
      step.key,
      step.partition,
      env.clock.now(),
    )
  ) {
    for (const partition of partitions) refs.push({ assetKey: edge.upstream, partition });
  }
  return refs;
}

/** The step's inputs from the pointers of `reads` (stepReads()) as the store returned them. */
export function stepInputs(
  reads: readonly PartitionRef[],
  pointers: ReadonlyMap<string, CurrentPointer>,
): StepInputs {
  const [own, ...refs] = reads;
  const mapped = refs.map((ref) => ({
    ...ref,
    pointer: pointers.get(partitionRefKey(ref.assetKey, ref.partition)),
  }));
  const consumed = mapped.flatMap(({ assetKey, partition, pointer }) =>
    pointer === undefined ? [] : [{ assetKey, partition, dataVersion: pointer.dataVersion }]
  );
  return {
    own: pointers.get(partitionRefKey(own.assetKey, own.partition)),
    mapped,
    consumed,
    signature: inputSignature(consumed),
  };
}

/** Opens the files of one pointer, for readers such as DuckDB. */
export async function openPointer(
  env: StepEnvironment,
  ref: PartitionRef,
  pointer: CurrentPointer,
): Promise<UpstreamPartition> {
  return {
    key: ref.assetKey,
    partition: ref.partition,
    dataVersion: pointer.dataVersion,
    ...(pointer.materializationId !== undefined && {
      materializationId: pointer.materializationId,
    }),
    parts: pointer.location === undefined
      ? []
      : await Promise.all(locationParts(pointer.location).map((uri) => env.lake.open(uri))),
  };
}

/** Opens the files of every consumed input, in graph order. */
export async function openUpstream(
  env: StepEnvironment,
  inputs: StepInputs,
): Promise<UpstreamPartition[]> {
  const upstream: UpstreamPartition[] = [];
  for (const input of inputs.mapped) {
    if (input.pointer !== undefined) upstream.push(await openPointer(env, input, input.pointer));
  }
  return upstream;
}
