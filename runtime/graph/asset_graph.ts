// The asset graph: structure only (nodes, edges with their partition mappings, topological order,
// ancestors, descendants). It never touches storage. Building it fails fast on a duplicate key,
// a missing upstream or a cycle, naming the key.
import type { AnyAsset, AssetDefinition } from "../definitions/asset.ts";
import type { AssetKey } from "../definitions/asset_key.ts";
import { DefinitionError } from "../errors.ts";
import { defaultMapping, type PartitionMapping } from "../partitions/mapping.ts";
import type { PartitionKey } from "../partitions/partition_key.ts";

export interface GraphEdge {
  readonly upstream: AssetKey;
  readonly downstream: AssetKey;
  readonly mapping: PartitionMapping;
}

/** The partitions of one upstream that a downstream partition reads. */
export interface UpstreamPartitions {
  readonly edge: GraphEdge;
  readonly partitions: readonly PartitionKey[];
}

export class AssetGraph {
  readonly #nodes: ReadonlyMap<AssetKey, AnyAsset>;
  readonly #upstream: ReadonlyMap<AssetKey, readonly GraphEdge[]>;
  readonly #downstream: ReadonlyMap<AssetKey, readonly GraphEdge[]>;
  readonly #sortedEdges = new Map<AssetKey, readonly GraphEdge[]>();
  /** Every key, upstreams before downstreams; ties keep definition order. */
  readonly order: readonly AssetKey[];

  private constructor(
    nodes: Map<AssetKey, AnyAsset>,
    upstream: Map<AssetKey, GraphEdge[]>,
    downstream: Map<AssetKey, GraphEdge[]>,
    order: AssetKey[],
  ) {
    this.#nodes = nodes;
    this.#upstream = upstream;
    this.#downstream = downstream;
    this.order = order;
  }

  static build(assets: readonly AnyAsset[]): AssetGraph {
    const nodes = new Map<AssetKey, AnyAsset>();
    for (const asset of assets) {
      if (nodes.has(asset.key)) {
        throw new DefinitionError(
          `Asset '${asset.key}' is defined twice: give each asset a unique key`,
          asset.key,
        );
      }
      nodes.set(asset.key, asset);
    }
    const upstream = new Map<AssetKey, GraphEdge[]>();
    const downstream = new Map<AssetKey, GraphEdge[]>();
    for (const key of nodes.keys()) {
      upstream.set(key, []);
      downstream.set(key, []);
    }
    for (const asset of nodes.values()) {
      if (asset.kind !== "asset") continue;
      for (const dep of asset.deps) {
        const up = nodes.get(dep.key);
        if (!up) {
          throw new DefinitionError(
            `Asset '${asset.key}' depends on '${dep.key}', which is not defined: add it to the definitions or fix the key`,
            asset.key,
          );
        }
        const edge = {
          upstream: dep.key,
          downstream: asset.key,
          mapping: dep.mapping ?? defaultMapping(asset.partitions, up.partitions),
        };
        upstream.get(asset.key)!.push(edge);
        downstream.get(dep.key)!.push(edge);
      }
    }
    return new AssetGraph(nodes, upstream, downstream, topologicalOrder(nodes, upstream));
  }

  get size(): number {
    return this.#nodes.size;
  }

  has(key: string): key is AssetKey {
    return this.#nodes.has(key as AssetKey);
  }

  get(key: AssetKey): AnyAsset {
    const asset = this.#nodes.get(key);
    if (!asset) throw new DefinitionError(`No asset '${key}' in the graph`, key);
    return asset;
  }

  /** The materializable asset `key`; throws for a source. */
  definition(key: AssetKey): AssetDefinition {
    const asset = this.get(key);
    if (asset.kind !== "asset") {
      throw new DefinitionError(
        `'${key}' is an observable source, not a materializable asset`,
        key,
      );
    }
    return asset;
  }

  assets(): IterableIterator<AnyAsset> {
    return this.#nodes.values();
  }

  upstreamEdges(key: AssetKey): readonly GraphEdge[] {
    return this.#upstream.get(key) ?? [];
  }

  downstreamEdges(key: AssetKey): readonly GraphEdge[] {
    return this.#downstream.get(key) ?? [];
  }

  /**
   * Which upstream partitions `partition` of `key` reads, per upstream in key order: the one
   * walk every reader of the graph (inputs, plan, statuses) makes through partition mappings.
   */
  upstreamPartitions(key: AssetKey, partition: PartitionKey, now: Date): UpstreamPartitions[] {
    const downstream = this.get(key).partitions;
    return this.#sortedUpstream(key).map((edge) => ({
      edge,
      partitions: edge.mapping.upstreamKeys(
        partition,
        downstream,
        this.get(edge.upstream).partitions,
        now,
      ),
    }));
  }

  #sortedUpstream(key: AssetKey): readonly GraphEdge[] {
    let sorted = this.#sortedEdges.get(key);
    if (!sorted) {
      sorted = [...this.upstreamEdges(key)].sort((a, b) =>
        a.upstream < b.upstream ? -1 : a.upstream > b.upstream ? 1 : 0
      );
      this.#sortedEdges.set(key, sorted);
    }
    return sorted;
  }

  /** `keys` and everything upstream of them. */
  withAncestors(keys: Iterable<AssetKey>): Set<AssetKey> {
    return this.#closure(keys, (key) => this.upstreamEdges(key).map((e) => e.upstream));
  }

  /** `keys` and everything downstream of them. */
  withDescendants(keys: Iterable<AssetKey>): Set<AssetKey> {
    return this.#closure(keys, (key) => this.downstreamEdges(key).map((e) => e.downstream));
  }

  #closure(keys: Iterable<AssetKey>, next: (key: AssetKey) => AssetKey[]): Set<AssetKey> {
    const seen = new Set<AssetKey>();
    const stack = [...keys];
    while (stack.length > 0) {
      const key = stack.pop()!;
      if (seen.has(key)) continue;
      seen.add(key);
      stack.push(...next(key));
    }
    return seen;
  }
}

function topologicalOrder(
  nodes: ReadonlyMap<AssetKey, AnyAsset>,
  upstream: ReadonlyMap<AssetKey, readonly GraphEdge[]>,
): AssetKey[] {
  const state = new Map<AssetKey, "visiting" | "done">();
  const order: AssetKey[] = [];
  const path: AssetKey[] = [];
  // Iterative depth-first search: deep graphs must not overflow the call stack.
  for (const root of nodes.keys()) {
    if (state.has(root)) continue;
    const stack: { key: AssetKey; next: number }[] = [{ key: root, next: 0 }];
    state.set(root, "visiting");
    path.push(root);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1];
      const edges = upstream.get(frame.key)!;
      if (frame.next < edges.length) {
        const up = edges[frame.next++].upstream;
        const seen = state.get(up);
        if (seen === "visiting") {
          const cycle = [...path.slice(path.indexOf(up)), up];
          throw new DefinitionError(
            `Asset '${up}' is part of a dependency cycle: ${
              cycle.join(" -> ")
            } (each depends on the next); remove one of these dependencies`,
            up,
          );
        }
        if (seen === undefined) {
          state.set(up, "visiting");
          path.push(up);
          stack.push({ key: up, next: 0 });
        }
      } else {
        state.set(frame.key, "done");
        order.push(frame.key);
        path.pop();
        stack.pop();
      }
    }
  }
  return order;
}
