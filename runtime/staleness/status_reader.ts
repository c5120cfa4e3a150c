// Statuses for a process that reads them once (`deno task assets`): from the statuses the last
// such read persisted (status_snapshot.ts), the changes written since their mark and the live
// leases. It computes again only the partitions a change or a lease reaches (a changed partition,
// those directly downstream of it, and further only while one starts or stops waiting, as
// loadStatusResolver() carries statuses over), every partition of an asset whose fingerprint
// changed or that has a freshness policy, reading the states of those assets and their upstreams
// only; and stores the set again when it computed any. A long-lived process (the UI, the daemon,
// materialize's plan) uses loadStatusResolver(), which keeps every state in memory and whose
// first read starts from the persisted statuses the same way (statusesFrom()).
import type { AssetKey } from "../definitions/asset_key.ts";
import type { AssetGraph } from "../graph/asset_graph.ts";
import type { PartitionKey } from "../partitions/partition_key.ts";
import type {
  ChangeMark,
  Lease,
  MetadataStore,
  PartitionState,
  StateIndex,
  StatusSnapshotSet,
} from "../store/metadata_store.ts";
import { decodeStatuses, encodeStatuses, statusFingerprint } from "./status_snapshot.ts";
import { downstreamOf, waitingFacet } from "./status_invalidation.ts";
import { type AssetStatusSummary, liveLeases, StatusResolver } from "./status_resolver.ts";

/** Every asset's statuses, as one read found them. */
export interface StatusSummaries {
  asset(key: AssetKey): AssetStatusSummary;
}

/** Per asset, the partitions to compute again: true when their own state or lease changed. */
type Marks = Map<AssetKey, Map<PartitionKey, boolean>>;

/** What statusesFrom() brings up to date, all read at `mark`. */
export interface PersistedStart {
  /** The persisted statuses (undefined when none are stored). */
  readonly stored: StatusSnapshotSet | undefined;
  /** Where the states and `changed` are. */
  readonly mark: ChangeMark;
  /** Per asset, the partitions written since the stored set's mark (ignored without one). */
  readonly changed: Iterable<readonly [AssetKey, Iterable<PartitionKey>]>;
  readonly leases: readonly Lease[];
  /** Every state at `mark`, when the caller has them; else read per asset as needed. */
  readonly states?: StateIndex;
}

export async function readStatuses(
  graph: AssetGraph,
  store: MetadataStore,
  now: Date,
): Promise<StatusSummaries> {
  const [stored, leases] = await Promise.all([
    store.snapshots.read(),
    store.leases.listLeases(),
  ]);
  // Without a stored set, every state: the first read computes everything from them.
  const changes = await store.changes.statesSince(stored?.mark);
  return await statusesFrom(graph, store, now, {
    stored,
    mark: changes.mark,
    changed: [...changes.states].map(([key, partitions]) => [key, partitions.keys()] as const),
    leases,
    states: stored === undefined ? changes.states : undefined,
  });
}

/**
 * The statuses of the persisted set `start.stored` brought up to date with what changed since its
 * mark and the live leases, stored again (at `start.mark`) when that computed any.
 */
export async function statusesFrom(
  graph: AssetGraph,
  store: MetadataStore,
  now: Date,
  start: PersistedStart,
): Promise<StatusResolver> {
  const { stored, leases } = start;
  const live = liveLeases(leases, now);
  const leased = new Set<AssetKey>();
  for (const lease of live.values()) leased.add(lease.assetKey);
  const rows = new Map(stored?.assets.map((row) => [row.assetKey, row]));

  /** The stored statuses that still describe the asset's partitions (its fingerprint holds). */
  const previous = new Map<AssetKey, AssetStatusSummary>();
  /** Assets computed whole: no usable stored statuses, or a freshness policy (the clock). */
  const whole = new Set<AssetKey>();
  const fingerprints = new Map<AssetKey, string>();
  const marks: Marks = new Map();
  /** Marks a partition to compute again; an asset computed whole needs none. */
  const mark = (key: AssetKey, partition: PartitionKey, own: boolean) => {
    if (whole.has(key) || !graph.has(key)) return false;
    let partitions = marks.get(key);
    if (!partitions) marks.set(key, partitions = new Map());
    const added = !partitions.has(partition);
    if (own || added) partitions.set(partition, own);
    return added;
  };
  for (const key of graph.order) {
    const asset = graph.get(key);
    const fingerprint = statusFingerprint(graph, key, now);
    fingerprints.set(key, fingerprint);
    const row = rows.get(key);
    const summary = row?.fingerprint === fingerprint
      ? decodeStatuses(key, asset.partitions.keys(now), row.statuses)
      : undefined;
    if (summary) previous.set(key, summary);
    if (!summary || (asset.kind === "asset" && asset.freshness)) whole.add(key);
  }
  // A partition whose own state or lease changed, and those directly downstream of it (their
  // expected inputs or upstream failures changed), are computed again, whatever they show.
  const changed: [AssetKey, PartitionKey][] = [];
  if (stored !== undefined) {
    for (const [key, partitions] of start.changed) {
      for (const partition of partitions) changed.push([key, partition]);
    }
  }
  for (const lease of live.values()) changed.push([lease.assetKey, lease.partition]);
  for (const [key, partition] of changed) {
    if (!graph.has(key)) continue;
    mark(key, partition, true);
    for (const [down, downPartition] of downstreamOf(graph, key, partition, now)) {
      mark(down, downPartition, false);
    }
  }

  // Rounds: compute what is marked from the states read so far; a partition that starts or
  // stops waiting marks those downstream of it, whose states the next round reads.
  const states = new Map<AssetKey, ReadonlyMap<PartitionKey, PartitionState>>();
  const loaded = new Set<AssetKey>();
  if (start.states !== undefined) {
    for (const [key, partitions] of start.states) states.set(key, partitions);
    for (const key of graph.order) loaded.add(key);
  }
  for (;;) {
    const needed = new Set<AssetKey>();
    for (const key of graph.order) {
      if (!whole.has(key) && !marks.has(key)) continue;
      for (const k of [key, ...graph.upstreamEdges(key).map((edge) => edge.upstream)]) {
        if (!loaded.has(k)) needed.add(k);
      }
    }
    if (needed.size > 0) {
      const read = await store.changes.statesOf([...needed]);
      for (const key of needed) {
        loaded.add(key);
        const partitions = read.get(key);
        if (partitions) states.set(key, partitions);
      }
    }
    const resolver = StatusResolver.withKnown(graph, states, leases, now, previous, whole, marks);
    if (spread(graph, resolver, previous, whole, marks, loaded, now, mark)) continue;
    // Stored again when a storable asset was computed for a change or a new fingerprint (not
    // only for its freshness policy or a lease, which every read computes again anyway).
    const unleased = (key: AssetKey) =>
      !leased.has(key) && !graph.upstreamEdges(key).some((edge) => leased.has(edge.upstream));
    const next = graph.order.filter(unleased);
    if (next.some((key) => marks.has(key) || !previous.has(key))) {
      await store.snapshots.replace(stored?.mark, {
        mark: start.mark,
        assets: next.map((key) =>
          !whole.has(key) && !marks.has(key) ? rows.get(key)! : {
            assetKey: key,
            fingerprint: fingerprints.get(key)!,
            statuses: encodeStatuses(graph.get(key).partitions.keys(now), resolver.asset(key)),
          }
        ),
      });
    }
    return resolver;
  }
}

/**
 * Computes the marked partitions, upstream first, and marks those directly downstream of each
 * whose waiting facet differs from the stored one (every partition of an asset computed whole
 * without stored statuses); true when that marked a partition not marked before.
 */
function spread(
  graph: AssetGraph,
  resolver: StatusResolver,
  previous: ReadonlyMap<AssetKey, AssetStatusSummary>,
  whole: ReadonlySet<AssetKey>,
  marks: Marks,
  loaded: ReadonlySet<AssetKey>,
  now: Date,
  mark: (key: AssetKey, partition: PartitionKey, own: boolean) => boolean,
): boolean {
  let added = false;
  const visit = (key: AssetKey, partition: PartitionKey) => {
    const was = previous.get(key)?.partitions.get(partition);
    const is = resolver.partition(key, partition);
    if (was !== undefined && waitingFacet(was) === waitingFacet(is)) return;
    for (const [down, downPartition] of downstreamOf(graph, key, partition, now)) {
      if (mark(down, downPartition, false)) added = true;
    }
  };
  for (const key of graph.order) {
    // Marked by this round: computed by the next, once its states are read.
    const ready = [key, ...graph.upstreamEdges(key).map((edge) => edge.upstream)]
      .every((k) => loaded.has(k));
    if (!ready) continue;
    if (whole.has(key)) {
      for (const partition of graph.get(key).partitions.keys(now)) visit(key, partition);
    } else {
      for (const partition of [...(marks.get(key)?.keys() ?? [])]) visit(key, partition);
    }
  }
  return added;
}
