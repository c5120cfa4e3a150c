// The graph as the browser receives it: the cached layout of the graph's shape plus the current
// statuses, in a compact column form (indexes into status and reason tables) so 10,000 assets
// are a few hundred kilobytes the client reads without building objects per node.
import { type GraphIndex, indexGraph } from "./graph_index.ts";
import { type GraphLayout, type LaneBox, layoutLanes } from "./lane_layout.ts";
import { ASSET_STATUSES, type AssetStatus, type UiGraph } from "./ui_data.ts";

export interface GraphStatuses {
  readonly shape: string;
  /** Index into `statuses` per node. */
  readonly status: readonly number[];
  /** Index into `reasons` per node: the node's one-line reason, or -1 when it has none. */
  readonly reason: readonly number[];
  readonly reasons: readonly string[];
}

export interface GraphPayload extends GraphStatuses {
  readonly statuses: readonly AssetStatus[];
  readonly width: number;
  readonly height: number;
  readonly nodeWidth: number;
  readonly nodeHeight: number;
  readonly lanes: readonly LaneBox[];
  readonly keys: readonly string[];
  readonly groups: readonly string[];
  readonly x: readonly number[];
  readonly y: readonly number[];
  /** Upstream, downstream position pairs, flattened. */
  readonly edges: readonly number[];
}

/** Lays out each graph shape once and keeps the last few, keyed by the shape hash. */
export class LayoutCache {
  readonly #layouts = new Map<string, GraphLayout>();
  #computed = 0;

  constructor(
    private readonly capacity = 4,
    private readonly layout: (graph: GraphIndex) => GraphLayout = layoutLanes,
  ) {}

  /** How many layouts were computed (a cache miss each). */
  get computed(): number {
    return this.#computed;
  }

  get(graph: GraphIndex): GraphLayout {
    const cached = this.#layouts.get(graph.shapeHash);
    if (cached) {
      // Refresh its place, so the least recently used shape is the one dropped.
      this.#layouts.delete(graph.shapeHash);
      this.#layouts.set(graph.shapeHash, cached);
      return cached;
    }
    const layout = this.layout(graph);
    this.#computed++;
    this.#layouts.set(graph.shapeHash, layout);
    if (this.#layouts.size > this.capacity) {
      this.#layouts.delete(this.#layouts.keys().next().value!);
    }
    return layout;
  }
}

export function graphIndexOf(graph: UiGraph): GraphIndex {
  return indexGraph(graph.assets);
}

export function graphStatuses(graph: GraphIndex): GraphStatuses {
  const reasons: string[] = [];
  const reasonIndex = new Map<string, number>();
  const status: number[] = [];
  const reason: number[] = [];
  for (const node of graph.nodes) {
    status.push(ASSET_STATUSES.indexOf(node.status));
    const first = node.reasons[0];
    if (first === undefined) {
      reason.push(-1);
      continue;
    }
    let at = reasonIndex.get(first);
    if (at === undefined) {
      at = reasons.length;
      reasons.push(first);
      reasonIndex.set(first, at);
    }
    reason.push(at);
  }
  return { shape: graph.shapeHash, status, reason, reasons };
}

export function graphPayload(graph: GraphIndex, layout: GraphLayout): GraphPayload {
  const edges: number[] = [];
  graph.upstreams.forEach((ups, v) => {
    for (const u of ups) edges.push(u, v);
  });
  return {
    ...graphStatuses(graph),
    statuses: ASSET_STATUSES,
    width: Math.round(layout.width),
    height: Math.round(layout.height),
    nodeWidth: layout.nodeWidth,
    nodeHeight: layout.nodeHeight,
    lanes: layout.lanes,
    keys: graph.nodes.map((node) => node.key),
    groups: graph.nodes.map((node) => node.group),
    x: layout.x.map(Math.round),
    y: layout.y.map(Math.round),
    edges,
  };
}
