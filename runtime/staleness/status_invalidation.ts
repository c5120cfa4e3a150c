// Which statuses computed for one status read still hold for the next, so a warm read computes
// only what changed. A partition's status depends on its own state and lease, on the states,
// leases and waiting of the upstream partitions it maps to, and on the clock only through the
// partitions that exist (and so the mappings) and freshness policies: a partition whose state or
// lease changed is recomputed with every partition downstream of it, through the mappings'
// inverse, and an asset with a freshness policy is recomputed whenever the clock moved.
import type { AssetKey } from "../definitions/asset_key.ts";
import type { AssetGraph } from "../graph/asset_graph.ts";
import type { PartitionKey } from "../partitions/partition_key.ts";
import type { Lease, StateIndex } from "../store/metadata_store.ts";

/** What a status read computes from. */
export interface StatusInputs {
  readonly graph: AssetGraph;
  readonly states: StateIndex;
  /** Live leases at `now`, keyed by partitionRefKey(). */
  readonly leases: ReadonlyMap<string, Lease>;
  readonly now: Date;
}

/** Per asset, the partitions whose status must be computed again, or all of them. */
export type Invalidated = ReadonlyMap<AssetKey, ReadonlySet<PartitionKey> | "all">;

/**
 * The statuses of `before` that may differ in `after`; undefined when none can be kept (another
 * graph, or the partitions that exist changed, as when a day begins).
 */
export function invalidated(before: StatusInputs, after: StatusInputs): Invalidated | undefined {
  const { graph } = after;
  if (before.graph !== graph) return undefined;
  const clockMoved = before.now.getTime() !== after.now.getTime();
  if (clockMoved && !sameStructure(graph, before.now, after.now)) return undefined;

  const changed = new Map<AssetKey, Set<PartitionKey>>();
  const pending: [AssetKey, PartitionKey][] = [];
  const mark = (key: AssetKey, partition: PartitionKey) => {
    let partitions = changed.get(key);
    if (!partitions) changed.set(key, partitions = new Set());
    if (partitions.has(partition)) return;
    partitions.add(partition);
    pending.push([key, partition]);
  };
  for (const key of graph.order) {
    const was = before.states.get(key);
    const is = after.states.get(key);
    if (was === is) continue;
    for (const [partition, state] of is ?? []) {
      if (was?.get(partition) !== state) mark(key, partition);
    }
    for (const partition of was?.keys() ?? []) if (!is?.has(partition)) mark(key, partition);
  }
  for (const lease of changedLeases(before.leases, after.leases)) {
    if (graph.has(lease.assetKey)) mark(lease.assetKey, lease.partition);
  }
  // Everything downstream of a changed partition, through each mapping's inverse.
  while (pending.length > 0) {
    const [key, partition] = pending.pop()!;
    const upstream = graph.get(key).partitions;
    for (const edge of graph.downstreamEdges(key)) {
      const downstream = graph.get(edge.downstream).partitions;
      for (const down of edge.mapping.downstreamKeys(partition, upstream, downstream, after.now)) {
        mark(edge.downstream, down);
      }
    }
  }

  const result = new Map<AssetKey, ReadonlySet<PartitionKey> | "all">(changed);
  // An overdue partition is still materialized: no downstream status depends on it.
  if (clockMoved) {
    for (const asset of graph.assets()) {
      if (asset.kind === "asset" && asset.freshness) result.set(asset.key, "all");
    }
  }
  return result;
}

/** Whether every asset has the same partitions at both times (built-in definitions change
 * their keys only by growing, so the count and the ends tell). */
function sameStructure(graph: AssetGraph, before: Date, after: Date): boolean {
  for (const asset of graph.assets()) {
    const was = asset.partitions.keys(before);
    const is = asset.partitions.keys(after);
    if (was === is) continue;
    if (was.length !== is.length || was[0] !== is[0] || was.at(-1) !== is.at(-1)) return false;
  }
  return true;
}

/** Leases taken, released or changing hands between the two reads (a status names its run). */
function* changedLeases(
  before: ReadonlyMap<string, Lease>,
  after: ReadonlyMap<string, Lease>,
): Iterable<Lease> {
  for (const [ref, lease] of after) {
    const was = before.get(ref);
    if (was?.runId !== lease.runId || was.owner !== lease.owner) yield lease;
  }
  for (const [ref, lease] of before) {
    if (!after.has(ref)) yield lease;
  }
}
