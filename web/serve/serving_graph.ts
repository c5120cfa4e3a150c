// The ONNX graph serving runs: one TreeEnsembleRegressor built from the TreeModel whose output
// row holds each feature's path contribution (Saabas) and the raw margin, so a single
// onnxruntime pass over the trees gives the probability and the reasons of every row.
import onnxProto from "onnx-proto";
import type { Tree, TreeModel } from "../../models/tree_model.ts";

const { onnx } = onnxProto;

export const SERVING_INPUT = "features";
/** float32 [N, features + 1]: columns 0..features-1 are contributions, the last the margin. */
export const SERVING_OUTPUT = "scores";

const ML_DOMAIN = "ai.onnx.ml";

/** A leaf's contributions: feature index -> summed value change of the splits on that feature. */
export type LeafContributions = ReadonlyMap<number, number>;

/** Thrown when a TreeModel cannot be turned into a serving graph. */
export class ServingGraphError extends Error {
  override readonly name = "ServingGraphError";
}

/**
 * For every leaf of the tree, the contribution of each feature on the path to it: a step from a
 * node to its child credits `value[child] - value[node]` to the node's split feature, so the
 * contributions of a leaf add up to `value[leaf] - value[root]`.
 */
export function leafContributions(tree: Tree): Map<number, LeafContributions> {
  const leaves = new Map<number, LeafContributions>();
  const pending: { node: number; path: ReadonlyMap<number, number>; depth: number }[] = [
    { node: 0, path: new Map(), depth: 0 },
  ];
  while (pending.length > 0) {
    const { node, path, depth } = pending.pop()!;
    if (depth > tree.feature.length) {
      throw new ServingGraphError(
        `Cannot walk a tree as it has a cycle: node ${node} is reached after ${depth} steps`,
      );
    }
    const feature = tree.feature[node];
    if (feature < 0) {
      leaves.set(node, path);
      continue;
    }
    for (const child of [tree.left[node], tree.right[node]]) {
      const next = new Map(path);
      next.set(feature, (next.get(feature) ?? 0) + tree.value[child] - tree.value[node]);
      pending.push({ node: child, path: next, depth: depth + 1 });
    }
  }
  return leaves;
}

/** The part of every margin no feature explains: base score plus every tree's root value. */
export function contributionBias(model: TreeModel): number {
  return model.trees.reduce((sum, tree) => sum + tree.value[0], model.baseScore);
}

/** The probability of a raw margin (log-odds). */
export function sigmoid(margin: number): number {
  return 1 / (1 + Math.exp(-margin));
}

/**
 * The serving graph of a model. Each leaf carries its path's contributions and its own value as
 * target weights, so onnxruntime sums both over the trees in the pass that finds the leaves.
 * Missing-value tracking is left out: serving rejects any row without all 25 finite values, and
 * without it onnxruntime takes its fastest traversal loop.
 */
export function servingGraph(model: TreeModel): Uint8Array {
  const features = model.featureNames.length;
  const nodes = {
    treeIds: [] as number[],
    nodeIds: [] as number[],
    featureIds: [] as number[],
    modes: [] as string[],
    values: [] as number[],
    trueIds: [] as number[],
    falseIds: [] as number[],
  };
  const targets = {
    treeIds: [] as number[],
    nodeIds: [] as number[],
    ids: [] as number[],
    weights: [] as number[],
  };
  const target = (treeId: number, node: number, id: number, weight: number): void => {
    targets.treeIds.push(treeId);
    targets.nodeIds.push(node);
    targets.ids.push(id);
    targets.weights.push(weight);
  };
  model.trees.forEach((tree, treeId) => {
    checkTree(tree, treeId, features);
    for (let node = 0; node < tree.feature.length; node++) {
      const leaf = tree.feature[node] < 0;
      nodes.treeIds.push(treeId);
      nodes.nodeIds.push(node);
      nodes.featureIds.push(leaf ? 0 : tree.feature[node]);
      nodes.modes.push(leaf ? "LEAF" : "BRANCH_LT");
      nodes.values.push(leaf ? 0 : tree.threshold[node]);
      nodes.trueIds.push(leaf ? 0 : tree.left[node]);
      nodes.falseIds.push(leaf ? 0 : tree.right[node]);
    }
    for (const [leaf, contributions] of leafContributions(tree)) {
      for (const [feature, weight] of contributions) target(treeId, leaf, feature, weight);
      target(treeId, leaf, features, tree.value[leaf]);
    }
  });
  const baseValues = new Array<number>(features + 1).fill(0);
  baseValues[features] = model.baseScore;
  const proto = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 15 }, { domain: ML_DOMAIN, version: 3 }],
    producerName: "sluice-serve",
    graph: {
      name: "sluice_serving",
      node: [{
        name: "margin_and_contributions",
        opType: "TreeEnsembleRegressor",
        domain: ML_DOMAIN,
        input: [SERVING_INPUT],
        output: [SERVING_OUTPUT],
        attribute: [
          ints("nodes_treeids", nodes.treeIds),
          ints("nodes_nodeids", nodes.nodeIds),
          ints("nodes_featureids", nodes.featureIds),
          strings("nodes_modes", nodes.modes),
          floats("nodes_values", nodes.values),
          ints("nodes_truenodeids", nodes.trueIds),
          ints("nodes_falsenodeids", nodes.falseIds),
          ints("target_treeids", targets.treeIds),
          ints("target_nodeids", targets.nodeIds),
          ints("target_ids", targets.ids),
          floats("target_weights", targets.weights),
          floats("base_values", baseValues),
          int("n_targets", features + 1),
          string("aggregate_function", "SUM"),
          string("post_transform", "NONE"),
        ],
      }],
      input: [floatMatrix(SERVING_INPUT, features)],
      output: [floatMatrix(SERVING_OUTPUT, features + 1)],
    },
  });
  return onnx.ModelProto.encode(proto).finish();
}

function checkTree(tree: Tree, treeId: number, features: number): void {
  const size = tree.feature.length;
  for (let node = 0; node < size; node++) {
    const feature = tree.feature[node];
    if (feature < 0) continue;
    if (feature >= features) {
      throw new ServingGraphError(
        `Cannot serve tree ${treeId} as node ${node} splits on feature ${feature}: ` +
          `the model has ${features} features`,
      );
    }
    for (const child of [tree.left[node], tree.right[node]]) {
      if (!(child > 0 && child < size)) {
        throw new ServingGraphError(
          `Cannot serve tree ${treeId} as node ${node} points at child ${child}: ` +
            `the tree has nodes 1 to ${size - 1}`,
        );
      }
    }
  }
}

function floatMatrix(name: string, columns: number): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: [{ dimParam: "N" }, { dimValue: columns }] },
      },
    },
  };
}

const Type = onnx.AttributeProto.AttributeType;
const utf8 = new TextEncoder();

function ints(name: string, values: number[]): onnxProto.onnx.IAttributeProto {
  return { name, type: Type.INTS, ints: values };
}
function int(name: string, value: number): onnxProto.onnx.IAttributeProto {
  return { name, type: Type.INT, i: value };
}
function floats(name: string, values: number[]): onnxProto.onnx.IAttributeProto {
  return { name, type: Type.FLOATS, floats: values };
}
function string(name: string, value: string): onnxProto.onnx.IAttributeProto {
  return { name, type: Type.STRING, s: utf8.encode(value) };
}
function strings(name: string, values: string[]): onnxProto.onnx.IAttributeProto {
  return { name, type: Type.STRINGS, strings: values.map((value) => utf8.encode(value)) };
}
