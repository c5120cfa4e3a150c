// The upstream partitions an asset partition reads, with their current data versions: what a
// materialization consumes now, and what its recorded input signature is compared against.
import type { AssetKey } from "../definitions/asset_key.ts";
import type { AssetGraph } from "../graph/asset_graph.ts";
import type { PartitionKey } from "../partitions/partition_key.ts";
import type { StateIndex } from "../store/metadata_store.ts";
import type { ConsumedInput } from "../definitions/version.ts";

/** One mapped upstream partition and its current version, absent when never materialized. */
export interface MappedInput extends Omit<ConsumedInput, "dataVersion"> {
  readonly dataVersion: ConsumedInput["dataVersion"] | undefined;
}

export function mappedInputs(
  graph: AssetGraph,
  states: StateIndex,
  key: AssetKey,
  partition: PartitionKey,
  now: Date,
): MappedInput[] {
  const downstream = graph.get(key).partitions;
  const inputs: MappedInput[] = [];
  for (const edge of graph.upstreamEdges(key)) {
    const upstream = graph.get(edge.upstream).partitions;
    const upstreamStates = states.get(edge.upstream);
    for (const upPartition of edge.mapping.upstreamKeys(partition, downstream, upstream, now)) {
      const current = upstreamStates?.get(upPartition)?.current;
      inputs.push({
        assetKey: edge.upstream,
        partition: upPartition,
        dataVersion: current?.dataVersion,
      });
    }
  }
  return inputs;
}

/** The inputs that exist: upstream partitions never materialized are not consumed. */
export function consumedInputs(inputs: readonly MappedInput[]): ConsumedInput[] {
  const consumed: ConsumedInput[] = [];
  for (const input of inputs) {
    if (input.dataVersion !== undefined) {
      consumed.push({
        assetKey: input.assetKey,
        partition: input.partition,
        dataVersion: input.dataVersion,
      });
    }
  }
  return consumed;
}
