// Which asset partitions the requests in flight (queued or running) will materialize if stale:
// automation leaves those to them instead of asking again.
import { partitionRefKey } from "../definitions/partition_ref.ts";
import type { AssetGraph } from "../graph/asset_graph.ts";
import { resolveSelection } from "../graph/selection.ts";
import {
  parsePartitionSelection,
  type PartitionSelection,
  partitionsToRun,
} from "../partitions/partition_selection.ts";
import type { RunRequestRecord } from "../store/metadata_store.ts";

/** partitionRefKeys of every asset partition `requests` select; unreadable ones select none. */
export function requestCoverage(
  graph: AssetGraph,
  requests: readonly RunRequestRecord[],
  now: Date,
): Set<string> {
  const covered = new Set<string>();
  for (const request of requests) {
    if (request.kind !== "materialize") continue;
    let keys: Set<string>;
    let partitions: PartitionSelection | undefined;
    try {
      keys = resolveSelection(graph, request.selection);
      partitions = request.partitions === undefined
        ? undefined
        : parsePartitionSelection(request.partitions);
    } catch {
      continue; // the request fails when it runs, and says why
    }
    for (const key of graph.order) {
      const asset = graph.get(key);
      if (!keys.has(key) || asset.kind !== "asset") continue;
      try {
        for (const partition of partitionsToRun(asset.partitions, partitions, now)) {
          covered.add(partitionRefKey(key, partition));
        }
      } catch {
        // A partition that does not fit this asset: the run reports it.
      }
    }
  }
  return covered;
}
