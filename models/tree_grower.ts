// Grows one regression tree depth-wise on binned rows: the root's histogram, then level by
// level the best split of each node, rows partitioned in place, the smaller child's histogram
// built and the larger one's taken from the parent by subtraction (both on every thread).
import { MISSING_BIN } from "./binning.ts";
import type { BoostingThreads } from "./boosting_threads.ts";
import { emptyCandidate, findBestSplit, type SplitRules } from "./split_finder.ts";
import { CONTROL, LEVEL_ENTRY, TaskKind, type TrainingArena } from "./training_arena.ts";
import type { Tree } from "./tree_model.ts";

/** What one tree is grown from: the arena's gradients, its rows `order[0..sampled)` and its
 * features `features[0..featureCount)` (ascending). */
export interface GrowInput {
  readonly arena: TrainingArena;
  readonly threads: BoostingThreads;
  readonly cuts: readonly Float32Array[];
  readonly valueBins: Uint16Array;
  readonly sampled: number;
  /** True when order is every row in row order (no row sampling). */
  readonly allRows: boolean;
  readonly featureCount: number;
  readonly maxDepth: number;
  readonly learningRate: number;
  readonly rules: SplitRules;
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

/** Histogram ids in the arena, reused from node to node and tree to tree, and the spill
 * buffer of row partitioning. */
export class GrowScratch {
  readonly #arena: TrainingArena;
  readonly #free: number[] = [];
  #allocated = 0;
  readonly spill: Uint32Array;
  readonly goesLeft = new Uint8Array(256);

  constructor(arena: TrainingArena) {
    this.#arena = arena;
    this.spill = new Uint32Array(arena.rows);
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

export function growTree(input: GrowInput, pool: GrowScratch): GrownTree {
  const { arena, rules } = input;
  const { order, grad, hess, codes, rows, features } = arena;
  const capacity = 2 ** (input.maxDepth + 1) - 1;
  const nodeFeature = new Int32Array(capacity).fill(-1);
  const splitBin = new Int32Array(capacity).fill(-1);
  const left = new Int32Array(capacity).fill(-1);
  const right = new Int32Array(capacity).fill(-1);
  const parent = new Int32Array(capacity).fill(-1);
  const missingLeft = new Uint8Array(capacity);
  const sumGrad = new Float64Array(capacity);
  const sumHess = new Float64Array(capacity);
  const gain = new Float64Array(capacity);
  const begin = new Int32Array(capacity);
  const end = new Int32Array(capacity);
  const histogramOf = new Int32Array(capacity).fill(-1);
  let nodes = 1;

  let rootGrad = 0;
  let rootHess = 0;
  for (let j = 0; j < input.sampled; j++) {
    const row = order[j];
    rootGrad += grad[row];
    rootHess += hess[row];
  }
  sumGrad[0] = rootGrad;
  sumHess[0] = rootHess;
  end[0] = input.sampled;
  histogramOf[0] = pool.acquire();
  arena.control[CONTROL.featureCount] = input.featureCount;
  arena.control[CONTROL.histogram] = histogramOf[0];
  arena.control[CONTROL.count] = input.sampled;
  arena.control[CONTROL.allRows] = input.allRows ? 1 : 0;
  input.threads.run(TaskKind.root);

  const releaseHistogram = (node: number) => {
    if (histogramOf[node] >= 0) pool.release(histogramOf[node]);
    histogramOf[node] = -1;
  };
  const treeFeatures = features.subarray(0, input.featureCount);
  const best = emptyCandidate();
  let level = [0];
  for (let depth = 0; depth < input.maxDepth && level.length > 0; depth++) {
    const next: number[] = [];
    for (const node of level) {
      if (sumHess[node] >= 2 * rules.minChildWeight) {
        const hist = arena.histogram(histogramOf[node]);
        findBestSplit(
          hist,
          sumGrad[node],
          sumHess[node],
          treeFeatures,
          input.valueBins,
          rules,
          best,
        );
      } else best.feature = -1;
      if (best.feature < 0) {
        releaseHistogram(node);
        continue;
      }
      const l = nodes++;
      const r = nodes++;
      nodeFeature[node] = best.feature;
      splitBin[node] = best.bin;
      missingLeft[node] = best.missingLeft ? 1 : 0;
      gain[node] = best.gain;
      left[node] = l;
      right[node] = r;
      parent[l] = node;
      parent[r] = node;
      sumGrad[l] = best.leftGrad;
      sumHess[l] = best.leftHess;
      sumGrad[r] = sumGrad[node] - best.leftGrad;
      sumHess[r] = sumHess[node] - best.leftHess;
      const middle = partitionRows(
        codes,
        best.feature * rows,
        best.bin,
        best.missingLeft,
        order,
        begin[node],
        end[node],
        pool.spill,
        pool.goesLeft,
      );
      begin[l] = begin[node];
      end[l] = middle;
      begin[r] = middle;
      end[r] = end[node];
      next.push(l, r);
    }
    if (depth + 1 < input.maxDepth && next.length > 0) {
      // Children get histograms: the smaller one built, the larger one is parent minus it.
      let entries = 0;
      for (let k = 0; k < next.length; k += 2) {
        const l = next[k];
        const r = next[k + 1];
        const smaller = end[l] - begin[l] <= end[r] - begin[r] ? l : r;
        const larger = smaller === l ? r : l;
        const owner = parent[l];
        histogramOf[smaller] = pool.acquire();
        histogramOf[larger] = histogramOf[owner];
        histogramOf[owner] = -1;
        const at = entries++ * LEVEL_ENTRY;
        arena.levelTasks[at] = begin[smaller];
        arena.levelTasks[at + 1] = end[smaller];
        arena.levelTasks[at + 2] = histogramOf[smaller];
        arena.levelTasks[at + 3] = histogramOf[larger];
      }
      arena.control[CONTROL.count] = entries;
      input.threads.run(TaskKind.level);
    } else {
      for (const node of level) releaseHistogram(node);
    }
    level = next;
  }
  for (let node = 0; node < nodes; node++) releaseHistogram(node);

  const tree = toTree(input, nodes, nodeFeature, splitBin, left, right, missingLeft, {
    sumGrad,
    sumHess,
    gain,
  });
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
 * Stable in-place partition of `order[begin..end)`: rows going left first. Returns where the
 * right child's rows begin.
 */
function partitionRows(
  codes: Uint8Array,
  column: number,
  bin: number,
  missingLeft: boolean,
  order: Uint32Array,
  begin: number,
  end: number,
  spill: Uint32Array,
  goesLeft: Uint8Array,
): number {
  // A lookup table and unconditional writes: which side a row goes is unpredictable, and a
  // branch on it mispredicts about every other row.
  for (let code = 0; code < MISSING_BIN; code++) goesLeft[code] = code <= bin ? 1 : 0;
  goesLeft[MISSING_BIN] = missingLeft ? 1 : 0;
  let kept = begin;
  let spilled = 0;
  for (let j = begin; j < end; j++) {
    const row = order[j];
    const left = goesLeft[codes[column + row]];
    order[kept] = row;
    spill[spilled] = row;
    kept += left;
    spilled += 1 - left;
  }
  order.set(spill.subarray(0, spilled), kept);
  return kept;
}

function toTree(
  input: GrowInput,
  nodes: number,
  nodeFeature: Int32Array,
  splitBin: Int32Array,
  left: Int32Array,
  right: Int32Array,
  missingLeft: Uint8Array,
  sums: { sumGrad: Float64Array; sumHess: Float64Array; gain: Float64Array },
): Tree {
  const { lambda } = input.rules;
  const feature: number[] = [];
  const threshold: number[] = [];
  const value: number[] = [];
  for (let n = 0; n < nodes; n++) {
    const f = nodeFeature[n];
    feature.push(f);
    // The cut after the last value bin does not exist: only missing values go right there.
    const cuts = f < 0 ? undefined : input.cuts[f];
    threshold.push(
      cuts === undefined ? 0 : splitBin[n] < cuts.length ? cuts[splitBin[n]] : Infinity,
    );
    value.push((-sums.sumGrad[n] / (sums.sumHess[n] + lambda)) * input.learningRate);
  }
  return {
    feature,
    threshold,
    left: Array.from(left.subarray(0, nodes)),
    right: Array.from(right.subarray(0, nodes)),
    missingLeft: Array.from(missingLeft.subarray(0, nodes), (flag) => flag === 1),
    value,
    cover: Array.from(sums.sumHess.subarray(0, nodes)),
    gain: Array.from(sums.gain.subarray(0, nodes)),
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
