// Grows one regression tree depth-wise on binned rows. Per level: the training thread picks
// each node's best split from the candidates of its feature groups, the threads partition the
// rows in slices, then build each smaller child's histogram, take the larger one's from the
// parent by subtraction and search both children's splits, unit by unit.
import { MISSING_BIN } from "./binning.ts";
import type { BoostingThreads } from "./boosting_threads.ts";
import {
  CANDIDATE_SIZE,
  CONTROL,
  FEATURE_GROUP,
  LEVEL_ENTRY,
  PARTITION_ENTRY,
  PARTITION_SLICE,
  TaskKind,
  type TrainingArena,
  UNIT_SIZE,
} from "./training_arena.ts";
import type { Tree } from "./tree_model.ts";

/**
 * What one tree is grown from: the arena's gradients, its rows `order[0..sampled)` and its
 * features `features[0..featureCount)` (ascending).
 */
export interface GrowInput {
  readonly arena: TrainingArena;
  readonly threads: BoostingThreads;
  readonly cuts: readonly Float32Array[];
  readonly sampled: number;
  /** True when order is every row in row order (no row sampling). */
  readonly allRows: boolean;
  readonly featureCount: number;
  readonly maxDepth: number;
  readonly learningRate: number;
  readonly lambda: number;
}

/** A grown tree, with typed copies (and each split's bin) to route rows by their codes. */
export interface GrownTree {
  readonly tree: Tree;
  /** The split feature of node n; -1 at a leaf. */
  readonly feature: Int32Array;
  /** Bins 0..splitBin[n] go left at node n. */
  readonly splitBin: Int32Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly missingLeft: Uint8Array;
  readonly value: Float64Array;
  /** Each node's rows are order[begin[n]..end[n]) once the tree is grown. */
  readonly begin: Int32Array;
  readonly end: Int32Array;
}

/** Histogram ids in the arena, reused from node to node and tree to tree. */
export class HistogramPool {
  readonly #arena: TrainingArena;
  readonly #free: number[] = [];
  #allocated = 0;

  constructor(arena: TrainingArena) {
    this.#arena = arena;
  }

  acquire(): number {
    const free = this.#free.pop();
    if (free !== undefined) return free;
    const id = this.#allocated++;
    if (id >= this.#arena.histogramCapacity) this.#arena.growHistograms(id + 1);
    return id;
  }

  release(id: number): void {
    this.#free.push(id);
  }
}

export function growTree(input: GrowInput, pool: HistogramPool): GrownTree {
  const { arena } = input;
  const { order, grad, hess, nodeSums, control } = arena;
  const capacity = 2 ** (input.maxDepth + 1) - 1;
  const nodeFeature = new Int32Array(capacity).fill(-1);
  const splitBin = new Int32Array(capacity).fill(-1);
  const left = new Int32Array(capacity).fill(-1);
  const right = new Int32Array(capacity).fill(-1);
  const missingLeft = new Uint8Array(capacity);
  const gain = new Float64Array(capacity);
  const begin = new Int32Array(capacity);
  const end = new Int32Array(capacity);
  const histogramOf = new Int32Array(capacity).fill(-1);
  // How many candidate groups searched each node (its features in groups, or all in one).
  const groupsOf = new Int32Array(capacity);
  const allGroups = Math.ceil(input.featureCount / FEATURE_GROUP);
  let nodes = 1;

  let rootGrad = 0;
  let rootHess = 0;
  for (let j = 0; j < input.sampled; j++) {
    const row = order[j];
    rootGrad += grad[row];
    rootHess += hess[row];
  }
  nodeSums[0] = rootGrad;
  nodeSums[1] = rootHess;
  end[0] = input.sampled;
  histogramOf[0] = pool.acquire();
  control[CONTROL.histogram] = histogramOf[0];
  control[CONTROL.sampled] = input.sampled;
  control[CONTROL.allRows] = input.allRows ? 1 : 0;
  for (let group = 0; group < allGroups; group++) {
    const [from, to] = groupFeatures(group, allGroups, input.featureCount);
    arena.setUnit(group, from, to, group);
  }
  groupsOf[0] = allGroups;
  input.threads.run(TaskKind.root, allGroups);

  const releaseHistogram = (node: number) => {
    if (histogramOf[node] >= 0) pool.release(histogramOf[node]);
    histogramOf[node] = -1;
  };
  let level = [0];
  for (let depth = 0; depth < input.maxDepth && level.length > 0; depth++) {
    // Splits: the best of the groups' candidates (ties to the lower group, so the lower
    // feature, as one scan over all the features in order would choose).
    const splitting: number[] = [];
    for (const node of level) {
      const chosen = bestCandidate(arena, node, groupsOf[node]);
      if (chosen < 0) {
        releaseHistogram(node);
        continue;
      }
      const at = chosen + node * CANDIDATE_SIZE;
      nodeFeature[node] = arena.candidates[at + 1];
      splitBin[node] = arena.candidates[at + 2];
      missingLeft[node] = arena.candidates[at + 3];
      gain[node] = arena.candidates[at];
      const l = nodes++;
      const r = nodes++;
      left[node] = l;
      right[node] = r;
      nodeSums[2 * l] = arena.candidates[at + 4];
      nodeSums[2 * l + 1] = arena.candidates[at + 5];
      nodeSums[2 * r] = nodeSums[2 * node] - nodeSums[2 * l];
      nodeSums[2 * r + 1] = nodeSums[2 * node + 1] - nodeSums[2 * l + 1];
      splitting.push(node);
    }
    if (splitting.length === 0) break;

    // Rows: each splitting node's rows partitioned in slices, then the slices joined.
    const firstUnit: number[] = [];
    let units = 0;
    splitting.forEach((node, e) => {
      const at = e * PARTITION_ENTRY;
      arena.partitionTasks[at] = nodeFeature[node];
      arena.partitionTasks[at + 1] = splitBin[node];
      arena.partitionTasks[at + 2] = missingLeft[node];
      firstUnit.push(units);
      for (let from = begin[node]; from < end[node]; from += PARTITION_SLICE) {
        arena.setUnit(units++, e, from, Math.min(end[node], from + PARTITION_SLICE));
      }
    });
    firstUnit.push(units);
    input.threads.run(TaskKind.partition, units);
    const next: number[] = [];
    splitting.forEach((node, e) => {
      const middle = joinPartition(arena, firstUnit[e], firstUnit[e + 1], begin[node]);
      begin[left[node]] = begin[node];
      end[left[node]] = middle;
      begin[right[node]] = middle;
      end[right[node]] = end[node];
      next.push(left[node], right[node]);
    });

    // Histograms and split candidates of the children, unless they can only be leaves.
    if (depth + 1 < input.maxDepth) {
      let levelRows = 0;
      const smallerRows = splitting.map((node, e) => {
        const l = left[node];
        const r = right[node];
        const smaller = end[l] - begin[l] <= end[r] - begin[r] ? l : r;
        const larger = smaller === l ? r : l;
        histogramOf[smaller] = pool.acquire();
        histogramOf[larger] = histogramOf[node];
        histogramOf[node] = -1;
        const at = e * LEVEL_ENTRY;
        arena.levelTasks[at] = begin[smaller];
        arena.levelTasks[at + 1] = end[smaller];
        arena.levelTasks[at + 2] = histogramOf[smaller];
        arena.levelTasks[at + 3] = histogramOf[larger];
        arena.levelTasks[at + 4] = smaller;
        arena.levelTasks[at + 5] = larger;
        levelRows += end[smaller] - begin[smaller];
        return end[smaller] - begin[smaller];
      });
      const units: LevelUnit[] = [];
      splitting.forEach((node, e) => {
        // Few entries, or one holding a large share of the level's rows, are cut in feature
        // groups, so no thread is left alone with a large unit at the end.
        const groups =
          splitting.length < SPLIT_BY_NODES || smallerRows[e] * SPLIT_BY_NODES > levelRows
            ? allGroups
            : 1;
        groupsOf[left[node]] = groups;
        groupsOf[right[node]] = groups;
        for (let group = 0; group < groups; group++) {
          const [from, to] = groupFeatures(group, groups, input.featureCount);
          units.push({ entry: e, from, to, group, cost: smallerRows[e] * (to - from) });
        }
      });
      // Largest first (the sort is stable): the units claimed last are the small ones. Which
      // thread runs a unit never changes its result, so neither does the order.
      units.sort((a, b) => b.cost - a.cost);
      units.forEach((unit, u) => arena.setUnit(u, unit.entry, unit.from, unit.to, unit.group));
      input.threads.run(TaskKind.level, units.length);
    } else {
      for (const node of splitting) releaseHistogram(node);
    }
    level = next;
  }
  for (let node = 0; node < nodes; node++) releaseHistogram(node);

  const tree = toTree(input, nodes, nodeFeature, splitBin, left, right, missingLeft, gain);
  return {
    tree,
    feature: nodeFeature.slice(0, nodes),
    splitBin: splitBin.slice(0, nodes),
    left: left.slice(0, nodes),
    right: right.slice(0, nodes),
    missingLeft: missingLeft.slice(0, nodes),
    value: Float64Array.from(tree.value),
    begin: begin.slice(0, nodes),
    end: end.slice(0, nodes),
  };
}

/**
 * From this many splitting nodes on, a level's units are whole nodes, not feature groups,
 * except a node with more than 1/SPLIT_BY_NODES of the level's rows.
 */
const SPLIT_BY_NODES = 8;

/** One unit of a level task: an entry's features [from, to), and its rows x features. */
interface LevelUnit {
  readonly entry: number;
  readonly from: number;
  readonly to: number;
  readonly group: number;
  readonly cost: number;
}

/** Group `group` of `groups` over features[0..count): FEATURE_GROUP each, or all for one. */
function groupFeatures(group: number, groups: number, count: number): [number, number] {
  if (groups === 1) return [0, count];
  return [group * FEATURE_GROUP, Math.min(count, (group + 1) * FEATURE_GROUP)];
}

/** The candidates offset (group * nodes * CANDIDATE_SIZE) of the node's best split; -1: none. */
function bestCandidate(arena: TrainingArena, node: number, groups: number): number {
  let chosen = -1;
  let bestGain = -Infinity;
  for (let group = 0; group < groups; group++) {
    const offset = group * arena.nodes * CANDIDATE_SIZE;
    const at = offset + node * CANDIDATE_SIZE;
    if (arena.candidates[at + 1] >= 0 && arena.candidates[at] > bestGain) {
      bestGain = arena.candidates[at];
      chosen = offset;
    }
  }
  return chosen;
}

/**
 * Joins the partitioned slices of units [first, last) (one node's rows, from `begin` on) into
 * order: every slice's left rows in slice order, then every slice's right rows (from spill).
 * Returns where the right child's rows begin. Both sides keep the rows' order, as one
 * partition over all the rows would.
 */
function joinPartition(arena: TrainingArena, first: number, last: number, begin: number): number {
  const { order, spill, units, partitionLefts } = arena;
  let at = begin;
  for (let unit = first; unit < last; unit++) {
    const from = units[unit * UNIT_SIZE + 1];
    const lefts = partitionLefts[unit];
    if (at !== from) order.copyWithin(at, from, from + lefts);
    at += lefts;
  }
  const middle = at;
  for (let unit = first; unit < last; unit++) {
    const from = units[unit * UNIT_SIZE + 1];
    const to = units[unit * UNIT_SIZE + 2];
    const rights = to - from - partitionLefts[unit];
    order.set(spill.subarray(from, from + rights), at);
    at += rights;
  }
  return middle;
}

function toTree(
  input: GrowInput,
  nodes: number,
  nodeFeature: Int32Array,
  splitBin: Int32Array,
  left: Int32Array,
  right: Int32Array,
  missingLeft: Uint8Array,
  gain: Float64Array,
): Tree {
  const { nodeSums } = input.arena;
  const feature: number[] = [];
  const threshold: number[] = [];
  const value: number[] = [];
  const cover: number[] = [];
  for (let n = 0; n < nodes; n++) {
    const f = nodeFeature[n];
    feature.push(f);
    // The cut after the last value bin does not exist: only missing values go right there.
    const cuts = f < 0 ? undefined : input.cuts[f];
    threshold.push(
      cuts === undefined ? 0 : splitBin[n] < cuts.length ? cuts[splitBin[n]] : Infinity,
    );
    value.push((-nodeSums[2 * n] / (nodeSums[2 * n + 1] + input.lambda)) * input.learningRate);
    cover.push(nodeSums[2 * n + 1]);
  }
  return {
    feature,
    threshold,
    left: Array.from(left.subarray(0, nodes)),
    right: Array.from(right.subarray(0, nodes)),
    missingLeft: Array.from(missingLeft.subarray(0, nodes), (flag) => flag === 1),
    value,
    cover,
    gain: Array.from(gain.subarray(0, nodes)),
  };
}

/** Adds each leaf's value to the margins of its rows (the rows this tree was grown on). */
export function addLeafValues(grown: GrownTree, order: Uint32Array, margins: Float64Array): void {
  for (let node = 0; node < grown.feature.length; node++) {
    if (grown.feature[node] >= 0) continue;
    const value = grown.value[node];
    for (let j = grown.begin[node]; j < grown.end[node]; j++) margins[order[j]] += value;
  }
}

/** Adds the tree's leaf value to each row's margin, routing rows by their bin codes. */
export function addTreeToMargins(
  grown: GrownTree,
  codes: Uint8Array,
  rows: number,
  margins: Float64Array,
): void {
  const { feature, splitBin, left, right, missingLeft, value } = grown;
  for (let row = 0; row < rows; row++) {
    let node = 0;
    let f = feature[0];
    while (f >= 0) {
      const code = codes[f * rows + row];
      if (code === MISSING_BIN) node = missingLeft[node] === 1 ? left[node] : right[node];
      else node = code <= splitBin[node] ? left[node] : right[node];
      f = feature[node];
    }
    margins[row] += value[node];
  }
}
