// The trained model as data: a gradient-boosted tree ensemble over the 25 contract features,
// shared by the trainer (which writes it), the ONNX export, batch scoring and the serving API.

/** The artifact format's name and version, stored with every model. */
export const TREE_MODEL_FORMAT = "sluice.gbdt/1";

/**
 * One regression tree in flat arrays; node 0 is the root. A row goes to `left[n]` when its
 * value of `feature[n]` is less than `threshold[n]`, to `right[n]` otherwise, and to the
 * learned default side (`missingLeft[n]`) when the value is missing (NaN). Thresholds are
 * float32 values, so the trainer, onnxruntime and serving compare the same numbers.
 */
export interface Tree {
  /** The feature index a node splits on; -1 for a leaf. */
  readonly feature: readonly number[];
  readonly threshold: readonly number[];
  readonly left: readonly number[];
  readonly right: readonly number[];
  readonly missingLeft: readonly boolean[];
  /**
   * A leaf's output (learning rate applied); for an inner node, the output it would have had as
   * a leaf (same scale), so a path's steps give each split's contribution to the margin.
   */
  readonly value: readonly number[];
  /** Sum of hessians of the training rows that reached the node. */
  readonly cover: readonly number[];
  /** The split's loss reduction; 0 for a leaf. */
  readonly gain: readonly number[];
}

export interface TreeModel {
  readonly format: typeof TREE_MODEL_FORMAT;
  /** The features in input order (models/features.ts FEATURE_NAMES). */
  readonly featureNames: readonly string[];
  /** The raw margin (log-odds) every row starts from, before the trees are added. */
  readonly baseScore: number;
  readonly trees: readonly Tree[];
  /** The decision threshold on the fraud probability (chosen on validation). */
  readonly threshold: number;
  /** Quantile bin edges per feature, learned on the training rows (the split candidates). */
  readonly binEdges: readonly (readonly number[])[];
}
