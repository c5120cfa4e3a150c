// Which statuses computed for one status read still hold for the next, so a warm read computes
// only what changed. A partition's status depends on its own state and lease, on the states and
// leases of the upstream partitions it maps to and on whether they wait for data, and on the
// clock only through the partitions that exist (and so the mappings) and freshness policies. So
// a partition whose state or lease changed makes the partitions directly downstream of it (the
// mappings' inverse) computed again, and those pass it on only if they start or stop waiting;
// an asset with a freshness policy is computed again whenever the clock moved.
import type { AssetKey } from "../definitions/asset_key.ts";
import type { AssetGraph } from "../graph/asset_graph.ts";
import type { PartitionKey } from "../partitions/partition_key.ts";
import type { Lease, StateIndex } from "../store/metadata_store.ts";
import { LayeredMap } from "./layered_map.ts";
import type { PartitionStatus } from "./status.ts";

/** What a status read computes from. */
export interface StatusInputs {
  readonly graph: AssetGraph;
  readonly states: StateIndex;
  /** Live leases at `now`, keyed by partitionRefKey(). */
  readonly leases: ReadonlyMap<string, Lease>;
  readonly now: Date;
}

/** What changed between two status reads of one graph. */
export interface StatusChanges {
  /** Per asset, the partitions whose own state or live lease changed. */
  readonly partitions: ReadonlyMap<AssetKey, ReadonlySet<PartitionKey>>;
  /** Assets whose statuses all depend on the clock, which moved (freshness policies). */
  readonly clocked: ReadonlySet<AssetKey>;
}

/**
 * What changed from `before` to `after`; undefined when no status can be kept (another graph,
 * or the partitions that exist changed, as when a day begins).
 */
export function changesBetween(
  before: StatusInputs,
  after: StatusInputs,
): StatusChanges | undefined {
  const { graph } = after;
  if (before.graph !== graph) return undefined;
  const clockMoved = before.now.getTime() !== after.now.getTime();
  if (clockMoved && !sameStructure(graph, before.now, after.now)) return undefined;

  const partitions = new Map<AssetKey, Set<PartitionKey>>();
  const mark = (key: AssetKey, partition: PartitionKey) => {
    let changed = partitions.get(key);
    if (!changed) partitions.set(key, changed = new Set());
    changed.add(partition);
  };
  for (const key of graph.order) {
    const was = before.states.get(key);
    const is = after.states.get(key);
    if (was === is) continue;
    // The mirror builds a changed asset's map as a layer over the one before: only the keys of
    // the layers can differ, which spares comparing every partition of a large asset.
    const candidates = LayeredMap.candidateChanges(was, is);
    if (candidates !== undefined) {
      for (const partition of candidates) {
        if (was?.get(partition) !== is?.get(partition)) mark(key, partition);
      }
      continue;
    }
    for (const [partition, state] of is ?? []) {
      if (was?.get(partition) !== state) mark(key, partition);
    }
    for (const partition of was?.keys() ?? []) if (!is?.has(partition)) mark(key, partition);
  }
  for (const lease of changedLeases(before.leases, after.leases)) {
    if (graph.has(lease.assetKey)) mark(lease.assetKey, lease.partition);
  }
  const clocked = new Set<AssetKey>();
  // An overdue partition is still materialized: no downstream status depends on it.
  if (clockMoved) {
    for (const asset of graph.assets()) {
      if (asset.kind === "asset" && asset.freshness) clocked.add(asset.key);
    }
  }
  return { partitions, clocked };
}

/** The partitions directly downstream of one partition, through each mapping's inverse. */
export function* downstreamOf(
  graph: AssetGraph,
  key: AssetKey,
  partition: PartitionKey,
  now: Date,
): Iterable<readonly [AssetKey, PartitionKey]> {
  const upstream = graph.get(key).partitions;
  for (const edge of graph.downstreamEdges(key)) {
    const downstream = graph.get(edge.downstream).partitions;
    for (const down of edge.mapping.downstreamKeys(partition, upstream, downstream, now)) {
      yield [edge.downstream, down];
    }
  }
}

/**
 * What partitions downstream see of a status besides its state and lease: whether it waits for
 * data, and for which source (a waiting partition names the source its upstream waits for).
 */
export function waitingFacet(status: PartitionStatus): string | undefined {
  if (status.status !== "waiting") return undefined;
  const cause = status.causes.find((c) => c.kind === "waiting");
  return cause?.kind === "waiting" ? cause.source ?? "" : "";
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
