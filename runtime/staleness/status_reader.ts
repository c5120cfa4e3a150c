// Statuses for a process that reads them once (`deno task assets`): from the statuses the last
// such read persisted (status_snapshot.ts), the changes written since their mark and the live
// leases, computing only the assets that a change, a lease, a new fingerprint or a freshness
// policy reaches, from the states of those assets and their upstreams. When it had to compute
// some, it stores the set again. A long-lived process (the UI, the daemon, materialize's plan)
// uses StatusResolver.load(), which keeps every state in memory and reads what changed.
import type { AssetKey } from "../definitions/asset_key.ts";
import type { AssetGraph } from "../graph/asset_graph.ts";
import type { MetadataStore, StateIndex, StoredStatusSnapshot } from "../store/metadata_store.ts";
import { decodeStatuses, encodeStatuses, statusFingerprint } from "./status_snapshot.ts";
import { type AssetStatusSummary, liveLeases, StatusResolver } from "./status_resolver.ts";

/** Every asset's statuses, as one read found them. */
export interface StatusSummaries {
  asset(key: AssetKey): AssetStatusSummary;
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
  const leased = new Set<AssetKey>();
  for (const lease of liveLeases(leases, now).values()) leased.add(lease.assetKey);
  const rows = new Map(stored?.assets.map((row) => [row.assetKey, row]));

  /** Assets whose stored statuses hold, decoded (those with freshness policies excepted). */
  const known = new Map<AssetKey, AssetStatusSummary>();
  /** Assets whose stored statuses may not hold: computed, and so is everything downstream. */
  const dirty = new Set<AssetKey>();
  const fingerprints = new Map<AssetKey, string>();
  for (const key of graph.order) {
    const asset = graph.get(key);
    const fingerprint = statusFingerprint(graph, key, now);
    fingerprints.set(key, fingerprint);
    const row = rows.get(key);
    const reached = (other: AssetKey) =>
      changes.states.has(other) || leased.has(other) || dirty.has(other);
    if (
      row === undefined || row.fingerprint !== fingerprint || reached(key) ||
      graph.upstreamEdges(key).some((edge) => reached(edge.upstream))
    ) {
      dirty.add(key);
      continue;
    }
    // Overdue depends on the clock: computed every time, though what downstream partitions see
    // of the asset (its states, whether it waits) is as stored.
    if (asset.kind === "asset" && asset.freshness) continue;
    const summary = decodeStatuses(key, asset.partitions.keys(now), row.statuses);
    if (summary) known.set(key, summary);
    else dirty.add(key);
  }

  const computed = graph.order.filter((key) => !known.has(key));
  let states: StateIndex = changes.states;
  if (stored !== undefined && computed.length > 0) {
    const needed = new Set(computed);
    for (const key of computed) {
      for (const edge of graph.upstreamEdges(key)) needed.add(edge.upstream);
    }
    states = await store.changes.statesOf([...needed]);
  }
  const resolver = StatusResolver.withKnown(graph, states, leases, now, known);
  if (dirty.size === 0) return resolver;

  // The new set is valid at the changes' mark: known statuses saw no change up to it, and the
  // computed ones come from states read after it (a later change is read again next time).
  // Leased assets and their downstreams stay out: their status names a run.
  const next: StoredStatusSnapshot[] = [];
  for (const key of graph.order) {
    const row = rows.get(key);
    if (!dirty.has(key)) {
      next.push(row!);
      continue;
    }
    const leasedHere = leased.has(key) ||
      graph.upstreamEdges(key).some((edge) => leased.has(edge.upstream));
    if (leasedHere) continue;
    const keys = graph.get(key).partitions.keys(now);
    next.push({
      assetKey: key,
      fingerprint: fingerprints.get(key)!,
      statuses: encodeStatuses(keys, resolver.asset(key)),
    });
  }
  await store.snapshots.replace(stored?.mark, { mark: changes.mark, assets: next });
  return resolver;
}
