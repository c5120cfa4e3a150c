// The status read of a long-lived process (materialize's plan, the UI, the daemon): its first
// read starts from the persisted statuses, as a new `assets` process does (status_reader.ts);
// each later one asks the process's mirror of the store only for what changed since the last
// read and carries over the statuses of the last resolver that no change can reach.
import type { AssetGraph } from "../graph/asset_graph.ts";
import type { MetadataStore } from "../store/metadata_store.ts";
import { StateMirror } from "./state_mirror.ts";
import { statusesFrom } from "./status_reader.ts";
import { StatusResolver } from "./status_resolver.ts";

/** The last resolver per store and graph, which the next load starts from. */
const LAST = new WeakMap<MetadataStore, WeakMap<AssetGraph, StatusResolver>>();

/**
 * Statuses as the store holds them now. The process's first load reads the persisted statuses
 * with every state (each asset's unpacked when first asked for) and computes only what changed
 * since they were stored, storing them again when it computed any; later loads compute only what
 * a change since the last one reaches.
 */
export async function loadStatusResolver(
  graph: AssetGraph,
  store: MetadataStore,
  now: Date,
): Promise<StatusResolver> {
  let last = LAST.get(store);
  if (!last) LAST.set(store, last = new WeakMap());
  const seeded = StateMirror.of(store).seed(() => store.snapshots.readWithStates());
  if (seeded) {
    const [first, leases] = await Promise.all([seeded, store.leases.listLeases()]);
    const resolver = await statusesFrom(graph, store, now, { ...first, leases });
    last.set(graph, resolver);
    return resolver;
  }
  const [states, leases] = await Promise.all([
    StateMirror.of(store).read(),
    store.leases.listLeases(),
  ]);
  const resolver = StatusResolver.after(last.get(graph), graph, states, leases, now);
  last.set(graph, resolver);
  return resolver;
}
