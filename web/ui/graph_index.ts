// The asset graph as the UI walks it: nodes by position, upstream and downstream adjacency, and
// the shape hash (keys, groups, edges) that the layout cache is keyed by.
import { createHash } from "node:crypto";
import type { AssetNode } from "./ui_data.ts";

export interface GraphIndex {
  /** A hash of the definitions the layout depends on: keys, groups and edges, in order. */
  readonly shapeHash: string;
  readonly nodes: readonly AssetNode[];
  readonly indexOf: ReadonlyMap<string, number>;
  /** For each node, the positions of its upstreams that exist in the graph. */
  readonly upstreams: readonly (readonly number[])[];
  readonly downstreams: readonly (readonly number[])[];
}

/** Indexes `nodes`; an upstream key that is not in the graph is left out of the edges. */
export function indexGraph(nodes: readonly AssetNode[]): GraphIndex {
  const indexOf = new Map<string, number>();
  nodes.forEach((node, i) => indexOf.set(node.key, i));
  const upstreams: number[][] = nodes.map(() => []);
  const downstreams: number[][] = nodes.map(() => []);
  // One string hashed once: many small updates cost more than the hashing itself.
  const shape: string[] = [];
  for (const [i, node] of nodes.entries()) {
    shape.push(node.key, "\u0000", node.group, "\u0000");
    for (const upstream of node.upstreams) {
      const j = indexOf.get(upstream);
      if (j === undefined || j === i) continue;
      upstreams[i].push(j);
      downstreams[j].push(i);
      shape.push(upstream, "\u0001");
    }
    shape.push("\u0002");
  }
  return {
    shapeHash: createHash("sha256").update(shape.join("")).digest("hex").slice(0, 24),
    nodes,
    indexOf,
    upstreams,
    downstreams,
  };
}

/** `start` and everything reachable from it along `edges`. */
export function reachable(
  edges: readonly (readonly number[])[],
  start: Iterable<number>,
): Set<number> {
  const seen = new Set<number>();
  const stack: number[] = [];
  for (const i of start) {
    if (!seen.has(i)) {
      seen.add(i);
      stack.push(i);
    }
  }
  while (stack.length > 0) {
    for (const next of edges[stack.pop()!]) {
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  return seen;
}
