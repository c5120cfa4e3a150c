// Scoring with a trained TreeModel in TypeScript: one row's margin or probability, a batch, and
// Saabas path contributions (why this row scored what it did), comparing in float32 like ONNX.
import { ModelInputError } from "./model_errors.ts";
import type { Tree, TreeModel } from "./tree_model.ts";

/** The logistic function: a raw margin (log-odds) to a probability. */
export function sigmoid(margin: number): number {
  return 1 / (1 + Math.exp(-margin));
}

/** The leaf one row reaches in one tree; the row's values are taken as float32. */
export function leafOf(tree: Tree, row: ArrayLike<number>): number {
  let node = 0;
  while (tree.feature[node] >= 0) node = childOf(tree, node, row);
  return node;
}

function childOf(tree: Tree, node: number, row: ArrayLike<number>): number {
  const value = Math.fround(row[tree.feature[node]]);
  if (value !== value) return tree.missingLeft[node] ? tree.left[node] : tree.right[node];
  return value < tree.threshold[node] ? tree.left[node] : tree.right[node];
}

/** The raw margin (log-odds): the base score plus each tree's leaf, summed in tree order. */
export function predictMargin(model: TreeModel, row: ArrayLike<number>): number {
  checkRow(model, row);
  let margin = model.baseScore;
  for (const tree of model.trees) margin += tree.value[leafOf(tree, row)];
  return margin;
}

/** The fraud probability of one row: sigmoid of its margin. */
export function predictProbability(model: TreeModel, row: ArrayLike<number>): number {
  return sigmoid(predictMargin(model, row));
}

/**
 * Saabas path attribution: on the row's path through each tree, a split's child value minus
 * the node's value is credited to the split's feature; the bias is the base score plus every
 * tree's root value, so `bias + sum(contributions)` is the margin.
 */
export function pathContributions(
  model: TreeModel,
  row: ArrayLike<number>,
): { bias: number; contributions: Float64Array } {
  checkRow(model, row);
  const contributions = new Float64Array(model.featureNames.length);
  let bias = model.baseScore;
  for (const tree of model.trees) {
    bias += tree.value[0];
    let node = 0;
    while (tree.feature[node] >= 0) {
      const child = childOf(tree, node, row);
      contributions[tree.feature[node]] += tree.value[child] - tree.value[node];
      node = child;
    }
  }
  return { bias, contributions };
}

function checkRow(model: TreeModel, row: ArrayLike<number>): void {
  if (row.length !== model.featureNames.length) {
    throw new ModelInputError(
      `Cannot score a row as it must have one value per model feature (${model.featureNames.length}): current length is ${row.length}`,
    );
  }
}

/** Every tree of a model in shared flat arrays, for batch scoring without per-node objects. */
interface FlatForest {
  readonly roots: Int32Array;
  readonly feature: Int32Array;
  readonly threshold: Float32Array;
  /** The child taken when the value is below the threshold, as a global node index. */
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly missingLeft: Uint8Array;
  readonly value: Float64Array;
}

const flatForests = new WeakMap<TreeModel, FlatForest>();

function flatForestOf(model: TreeModel): FlatForest {
  const cached = flatForests.get(model);
  if (cached !== undefined) return cached;
  const total = model.trees.reduce((sum, tree) => sum + tree.feature.length, 0);
  const forest: FlatForest = {
    roots: new Int32Array(model.trees.length),
    feature: new Int32Array(total),
    threshold: new Float32Array(total),
    left: new Int32Array(total),
    right: new Int32Array(total),
    missingLeft: new Uint8Array(total),
    value: new Float64Array(total),
  };
  let offset = 0;
  model.trees.forEach((tree, t) => {
    forest.roots[t] = offset;
    for (let n = 0; n < tree.feature.length; n++) {
      const at = offset + n;
      forest.feature[at] = tree.feature[n];
      forest.threshold[at] = tree.threshold[n];
      forest.left[at] = offset + tree.left[n];
      forest.right[at] = offset + tree.right[n];
      forest.missingLeft[at] = tree.missingLeft[n] ? 1 : 0;
      forest.value[at] = tree.value[n];
    }
    offset += tree.feature.length;
  });
  flatForests.set(model, forest);
  return forest;
}

/** The margins of `rows` rows laid out row-major in `features` ([rows x featureCount]). */
export function predictBatchMargin(
  model: TreeModel,
  features: Float32Array,
  rows: number,
): Float64Array {
  const width = model.featureNames.length;
  if (!Number.isInteger(rows) || rows < 0 || features.length < rows * width) {
    throw new ModelInputError(
      `Cannot score a batch as 'features' must hold rows x ${width} values for rows = ${rows}: current length is ${features.length}`,
    );
  }
  const forest = flatForestOf(model);
  const { roots, feature, threshold, left, right, missingLeft, value } = forest;
  const margins = new Float64Array(rows).fill(model.baseScore);
  // Tree by tree, so one tree's nodes stay in cache while every row walks it.
  for (let t = 0; t < roots.length; t++) {
    const root = roots[t];
    for (let r = 0; r < rows; r++) {
      const base = r * width;
      let node = root;
      let f = feature[node];
      while (f >= 0) {
        const x = features[base + f];
        if (x !== x) node = missingLeft[node] === 1 ? left[node] : right[node];
        else node = x < threshold[node] ? left[node] : right[node];
        f = feature[node];
      }
      margins[r] += value[node];
    }
  }
  return margins;
}

/** The fraud probabilities of a batch of rows (row-major `[rows x featureCount]` float32). */
export function predictBatch(model: TreeModel, features: Float32Array, rows: number): Float64Array {
  const margins = predictBatchMargin(model, features, rows);
  for (let r = 0; r < rows; r++) margins[r] = sigmoid(margins[r]);
  return margins;
}
