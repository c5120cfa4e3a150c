// ONNX export: a TreeModel as one ai.onnx.ml TreeEnsembleClassifier (BRANCH_LT on the float32
// bin thresholds, learned missing directions, LOGISTIC) that onnxruntime-node runs; the check
// that its probabilities equal the trainer's is models/onnx_parity.ts.
import onnxProto from "onnx-proto";
import { ModelInputError } from "./model_errors.ts";
import type { Tree, TreeModel } from "./tree_model.ts";

const { onnx } = onnxProto;

/** The model's input: `[N, features]` float32, NaN for a missing value. */
export const ONNX_INPUT = "features";
/** Outputs: the predicted class (int64 [N]) and `[1 - p, p]` per row (float32 [N, 2]). */
export const ONNX_LABEL_OUTPUT = "label";
export const ONNX_PROBABILITIES_OUTPUT = "probabilities";

/** The opsets written: ai.onnx.ml 3 has TreeEnsembleClassifier with missing tracking. */
const ML_OPSET = 3;
const DEFAULT_OPSET = 15;
const IR_VERSION = 8;

/**
 * Writes the model as an ONNX protobuf in the layout tree-ensemble converters use for a binary
 * classifier: every leaf credited to class id 0 and the base score as the one base value, so
 * onnxruntime sums the margin m and LOGISTIC writes `[1 - p, p]` with p = sigmoid(m); the label
 * is 1 when p > 0.5. A model without trees gets one constant zero leaf, because onnxruntime
 * writes zeros for an ensemble with no leaves at all.
 */
export function exportOnnx(model: TreeModel): Uint8Array {
  const width = model.featureNames.length;
  const nodes = {
    treeIds: [] as number[],
    nodeIds: [] as number[],
    featureIds: [] as number[],
    values: [] as number[],
    modes: [] as string[],
    trueIds: [] as number[],
    falseIds: [] as number[],
    missingTracksTrue: [] as number[],
  };
  const leaves = {
    treeIds: [] as number[],
    nodeIds: [] as number[],
    classIds: [] as number[],
    weights: [] as number[],
  };
  const trees = model.trees.length > 0 ? model.trees : [CONSTANT_TREE];
  trees.forEach((tree, t) => {
    for (let n = 0; n < tree.feature.length; n++) {
      const feature = tree.feature[n];
      if (feature >= width) {
        throw new ModelInputError(
          `Cannot export the model as tree ${t} node ${n} splits on feature ${feature}: the model has ${width} features`,
        );
      }
      const leaf = feature < 0;
      nodes.treeIds.push(t);
      nodes.nodeIds.push(n);
      nodes.featureIds.push(leaf ? 0 : feature);
      nodes.values.push(leaf ? 0 : tree.threshold[n]);
      nodes.modes.push(leaf ? "LEAF" : "BRANCH_LT");
      nodes.trueIds.push(leaf ? 0 : tree.left[n]);
      nodes.falseIds.push(leaf ? 0 : tree.right[n]);
      nodes.missingTracksTrue.push(!leaf && tree.missingLeft[n] ? 1 : 0);
      if (leaf) {
        leaves.treeIds.push(t);
        leaves.nodeIds.push(n);
        leaves.classIds.push(0);
        leaves.weights.push(tree.value[n]);
      }
    }
  });
  const attributes = [
    ints("classlabels_int64s", [0, 1]),
    ints("nodes_treeids", nodes.treeIds),
    ints("nodes_nodeids", nodes.nodeIds),
    ints("nodes_featureids", nodes.featureIds),
    floats("nodes_values", nodes.values),
    strings("nodes_modes", nodes.modes),
    ints("nodes_truenodeids", nodes.trueIds),
    ints("nodes_falsenodeids", nodes.falseIds),
    ints("nodes_missing_value_tracks_true", nodes.missingTracksTrue),
    ints("class_treeids", leaves.treeIds),
    ints("class_nodeids", leaves.nodeIds),
    ints("class_ids", leaves.classIds),
    floats("class_weights", leaves.weights),
    floats("base_values", [model.baseScore]),
    string("post_transform", "LOGISTIC"),
  ];
  const graph = onnx.GraphProto.create({
    name: "sluice_gbdt",
    node: [
      onnx.NodeProto.create({
        name: "tree_ensemble",
        opType: "TreeEnsembleClassifier",
        domain: "ai.onnx.ml",
        input: [ONNX_INPUT],
        output: [ONNX_LABEL_OUTPUT, ONNX_PROBABILITIES_OUTPUT],
        attribute: attributes,
      }),
    ],
    input: [tensorInfo(ONNX_INPUT, onnx.TensorProto.DataType.FLOAT, ["N", width])],
    output: [
      tensorInfo(ONNX_LABEL_OUTPUT, onnx.TensorProto.DataType.INT64, ["N"]),
      tensorInfo(ONNX_PROBABILITIES_OUTPUT, onnx.TensorProto.DataType.FLOAT, ["N", 2]),
    ],
  });
  const proto = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    producerName: "sluice",
    producerVersion: model.format,
    opsetImport: [
      onnx.OperatorSetIdProto.create({ domain: "", version: DEFAULT_OPSET }),
      onnx.OperatorSetIdProto.create({ domain: "ai.onnx.ml", version: ML_OPSET }),
    ],
    graph,
    metadataProps: [
      onnx.StringStringEntryProto.create({
        key: "feature_names",
        value: model.featureNames.join(","),
      }),
      onnx.StringStringEntryProto.create({ key: "threshold", value: String(model.threshold) }),
    ],
  });
  return onnx.ModelProto.encode(proto).finish();
}

const { AttributeType } = onnx.AttributeProto;

const CONSTANT_TREE: Tree = {
  feature: [-1],
  threshold: [0],
  left: [-1],
  right: [-1],
  missingLeft: [false],
  value: [0],
  cover: [0],
  gain: [0],
};

function ints(name: string, values: readonly number[]) {
  return onnx.AttributeProto.create({ name, type: AttributeType.INTS, ints: [...values] });
}

function floats(name: string, values: readonly number[]) {
  return onnx.AttributeProto.create({ name, type: AttributeType.FLOATS, floats: [...values] });
}

function strings(name: string, values: readonly string[]) {
  const encoder = new TextEncoder();
  return onnx.AttributeProto.create({
    name,
    type: AttributeType.STRINGS,
    strings: values.map((value) => encoder.encode(value)),
  });
}

function string(name: string, value: string) {
  return onnx.AttributeProto.create({
    name,
    type: AttributeType.STRING,
    s: new TextEncoder().encode(value),
  });
}

function tensorInfo(name: string, elemType: number, shape: readonly (string | number)[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType,
        shape: onnx.TensorShapeProto.create({
          dim: shape.map((dim) =>
            typeof dim === "number"
              ? onnx.TensorShapeProto.Dimension.create({ dimValue: dim })
              : onnx.TensorShapeProto.Dimension.create({ dimParam: dim })
          ),
        }),
      }),
    }),
  });
}
