// Whether a partition must wait for data: the one rule the status resolver and the plan share.
// A partition waits when none of its upstreams has data for it; only partitioned upstreams
// decide, a mapping that requires the newest upstream partition (a rolling window) needs it,
// and an alias it reads must point somewhere.
import type { AssetKey } from "../definitions/asset_key.ts";
import type { AssetGraph, UpstreamPartitions } from "../graph/asset_graph.ts";
import { unpartitioned } from "../partitions/definition.ts";
import type { PartitionKey } from "../partitions/partition_key.ts";

/** The upstream partition a waiting partition names: the first one it reads that has no data. */
export interface MissingUpstream {
  readonly upstream: AssetKey;
  readonly partition: PartitionKey;
  /** How many partitions of `upstream` it needs, none with data (a window or every day). */
  readonly partitionsRead: number;
}

/** Whether an upstream partition holds data, or will when the caller's run gets to it. */
export type HasData = (key: AssetKey, partition: PartitionKey) => boolean;

/**
 * What the partition reading `reads` waits for, or undefined when one of its upstreams has data
 * for it (an asset with some inputs present runs and sees the missing ones as empty). An alias
 * it reads must point somewhere, whatever its other upstreams hold: scores need a champion.
 */
export function upstreamWithoutData(
  graph: AssetGraph,
  reads: readonly UpstreamPartitions[],
  hasData: HasData,
): MissingUpstream | undefined {
  for (const { edge, partitions } of reads) {
    if (edge.mapping.alias === undefined) continue;
    if (!hasData(edge.upstream, partitions[0])) {
      return { upstream: edge.upstream, partition: partitions[0], partitionsRead: 1 };
    }
  }
  // Unpartitioned upstreams (reference data such as seeds) exist for every partition, so they
  // cannot say whether a partition's own data has arrived: only partitioned ones decide.
  let partitioned = 0;
  for (const { edge } of reads) {
    if (graph.get(edge.upstream).partitions !== unpartitioned) partitioned++;
  }
  let first: MissingUpstream | undefined;
  for (const { edge, partitions } of reads) {
    if (partitioned > 0 && graph.get(edge.upstream).partitions === unpartitioned) continue;
    // An alias says nothing about whether the partition's own day has arrived.
    if (partitions.length === 0 || edge.mapping.alias !== undefined) continue;
    const needed = edge.mapping.requires === "newest" ? partitions.slice(-1) : partitions;
    if (needed.some((p) => hasData(edge.upstream, p))) return undefined;
    first ??= { upstream: edge.upstream, partition: needed[0], partitionsRead: needed.length };
  }
  return first;
}
