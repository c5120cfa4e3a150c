// Hand-built TreeModels for prediction, export and contribution tests: small enough that each
// expected margin can be worked out by reading the trees.
import type { Tree, TreeModel } from "../../models/tree_model.ts";

/**
 * Tree A: x0 < 0.5 (missing left) ? leaf 0.2 : (x1 < 2.25 (missing right) ? leaf -0.4 : 0.6).
 * Inner values are what a leaf there would have held.
 */
export const TREE_A: Tree = {
  feature: [0, -1, 1, -1, -1],
  threshold: [0.5, 0, 2.25, 0, 0],
  left: [1, -1, 3, -1, -1],
  right: [2, -1, 4, -1, -1],
  missingLeft: [true, false, false, false, false],
  value: [0.05, 0.2, 0.1, -0.4, 0.6],
  cover: [10, 4, 6, 3, 3],
  gain: [1.5, 0, 0.8, 0, 0],
};

/** Tree B: x2 < 0.1f (missing right) ? -0.25 : 0.3; 0.1f is Math.fround(0.1). */
export const TREE_B: Tree = {
  feature: [2, -1, -1],
  threshold: [Math.fround(0.1), 0, 0],
  left: [1, -1, -1],
  right: [2, -1, -1],
  missingLeft: [false, false, false],
  value: [0.01, -0.25, 0.3],
  cover: [10, 5, 5],
  gain: [0.7, 0, 0],
};

export const FIXTURE_MODEL: TreeModel = {
  format: "sluice.gbdt/1",
  featureNames: ["x0", "x1", "x2"],
  baseScore: -1.5,
  trees: [TREE_A, TREE_B],
  threshold: 0.5,
  binEdges: [[0.5], [2.25], [Math.fround(0.1)]],
};
