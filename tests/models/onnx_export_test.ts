// The ONNX export run by the real onnxruntime-node: [1 - p, p] probabilities and labels that
// match the TypeScript scorer on hand-built trees, missing values included.
import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import onnxProto from "onnx-proto";
import { trainGbdt } from "../../models/gbdt_trainer.ts";
import { exportOnnx } from "../../models/onnx_export.ts";
import { onnxParity } from "../../models/onnx_parity.ts";
import type { TreeModel } from "../../models/tree_model.ts";
import { predictProbability } from "../../models/tree_predict.ts";
import { FIXTURE_MODEL, TREE_A } from "./_fixture_models.ts";
import { fraudLike } from "./_training_sets.ts";

const ROWS = [
  [0, 0, 0],
  [1, 2, 1],
  [0.5, 2.25, 0.1],
  [NaN, 9, NaN],
  [1, NaN, 0],
  [0.49999997, 2.2499998, 0.099999994],
];

async function runOnnx(model: TreeModel, rows: readonly number[][]) {
  const session = await ort.InferenceSession.create(exportOnnx(model));
  try {
    const width = model.featureNames.length;
    const input = new ort.Tensor("float32", Float32Array.from(rows.flat()), [rows.length, width]);
    const output = await session.run({ features: input });
    return {
      names: [session.inputNames, session.outputNames],
      labels: [...(output.label.data as BigInt64Array)].map(Number),
      probabilities: output.probabilities.data as Float32Array,
      dims: [output.label.dims, output.probabilities.dims],
    };
  } finally {
    await session.release();
  }
}

Deno.test("exportOnnx() writes features [N, 25]-style input and label, probabilities outputs", async () => {
  const result = await runOnnx(FIXTURE_MODEL, ROWS);
  assert.deepEqual(result.names, [["features"], ["label", "probabilities"]]);
  assert.deepEqual(result.dims, [[6], [6, 2]]);
});

Deno.test("the trees are one single-target TreeEnsembleRegressor, its margin through a Sigmoid", () => {
  const proto = onnxProto.onnx.ModelProto.decode(exportOnnx(FIXTURE_MODEL));
  const ops = proto.graph!.node!.map((node) => node.opType);
  assert.deepEqual(ops, [
    "TreeEnsembleRegressor",
    "Sigmoid",
    "Constant",
    "Sub",
    "Concat",
    "Constant",
    "Greater",
    "Cast",
    "Constant",
    "Squeeze",
  ]);
  const ensemble = proto.graph!.node![0];
  const attribute = (name: string) => ensemble.attribute!.find((a) => a.name === name)!;
  assert.equal(Number(attribute("n_targets").i), 1);
  assert.equal(new TextDecoder().decode(attribute("post_transform").s!), "NONE");
});

Deno.test("onnxruntime's probabilities are [1 - p, p] with p the trainer's, missing values too", async () => {
  const result = await runOnnx(FIXTURE_MODEL, ROWS);
  ROWS.forEach((row, i) => {
    const p = predictProbability(FIXTURE_MODEL, row);
    assert.ok(Math.abs(result.probabilities[2 * i + 1] - p) <= 1e-6, `row ${i}`);
    assert.ok(Math.abs(result.probabilities[2 * i] - (1 - p)) <= 1e-6, `row ${i}`);
    assert.equal(result.labels[i], p > 0.5 ? 1 : 0, `row ${i}`);
  });
});

Deno.test("the label is 1 exactly for the rows whose probability is above one half", async () => {
  const confident: TreeModel = { ...FIXTURE_MODEL, baseScore: -0.2 };
  const result = await runOnnx(confident, ROWS);
  const expected = ROWS.map((row) => predictProbability(confident, row) > 0.5 ? 1 : 0);
  assert.deepEqual(result.labels, expected);
  assert.ok(expected.includes(0) && expected.includes(1), "both labels occur");
});

Deno.test("an all-positive ensemble still goes through the logistic in onnxruntime", async () => {
  const positive: TreeModel = {
    ...FIXTURE_MODEL,
    trees: [{ ...TREE_A, value: [0.1, 0.2, 0.3, 0.4, 0.5] }],
  };
  const result = await runOnnx(positive, ROWS);
  ROWS.forEach((row, i) => {
    assert.ok(
      Math.abs(result.probabilities[2 * i + 1] - predictProbability(positive, row)) <= 1e-6,
    );
  });
});

Deno.test("a model without trees exports its base score's probability for every row", async () => {
  const empty: TreeModel = { ...FIXTURE_MODEL, baseScore: 2, trees: [] };
  const result = await runOnnx(empty, ROWS);
  for (let i = 0; i < ROWS.length; i++) {
    assert.ok(Math.abs(result.probabilities[2 * i + 1] - 1 / (1 + Math.exp(-2))) <= 1e-6);
  }
});

Deno.test("onnxParity() reports the largest difference over every row, and the row", async () => {
  const features = Float32Array.from(ROWS.flat());
  const parity = await onnxParity(FIXTURE_MODEL, exportOnnx(FIXTURE_MODEL), features, ROWS.length);
  assert.equal(parity.rows, 6);
  assert.ok(parity.maxAbsDiff <= 1e-6);
  const other = exportOnnx({ ...FIXTURE_MODEL, baseScore: 0 });
  const broken = await onnxParity(FIXTURE_MODEL, other, features, ROWS.length);
  assert.ok(broken.maxAbsDiff > 0.1, "a different model is caught");
  assert.ok(broken.worstRow >= 0 && broken.worstRow < 6);
});

Deno.test("a trained model's ONNX probabilities equal the trainer's within 1e-5 on every row", async () => {
  const validation = fraudLike(5_000, 21);
  const { model } = await trainGbdt(fraudLike(8_000, 20), validation, {
    rounds: 80,
    earlyStoppingRounds: 0,
  });
  assert.equal(model.trees.length, 80);
  const parity = await onnxParity(model, exportOnnx(model), validation.features, validation.rows);
  assert.equal(parity.rows, 5_000);
  assert.ok(
    parity.maxAbsDiff <= 1e-5,
    `max difference ${parity.maxAbsDiff} at row ${parity.worstRow}`,
  );
});
