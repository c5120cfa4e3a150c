import assert from "node:assert/strict";
import { pathContributions, predictMargin } from "../../../models/tree_predict.ts";
import { OnnxScorer } from "../../../web/serve/onnx_scorer.ts";
import {
  contributionBias,
  leafContributions,
  servingGraph,
  ServingGraphError,
} from "../../../web/serve/serving_graph.ts";
import {
  featureRow,
  featureVector,
  fixtureModel,
  randomModel,
  randomRows,
} from "./_fixture_model.ts";

Deno.test("leafContributions() credits each step's value change to the split feature", () => {
  const tree = fixtureModel().trees[0];
  const leaves = leafContributions(tree);
  const rounded = (map: ReadonlyMap<number, number> | undefined) =>
    [...(map ?? [])].map(([feature, value]) => [feature, Math.round(value * 1e9) / 1e9]);
  // velocity_1h is feature 0, amount_vs_user_avg feature 4.
  assert.deepEqual(rounded(leaves.get(2)), [[0, 1]]);
  assert.deepEqual(rounded(leaves.get(3)), [[0, -0.2], [4, -0.1]]);
  assert.deepEqual(rounded(leaves.get(4)), [[0, -0.2], [4, 0.6]]);
  assert.equal(leaves.size, 3);
});

Deno.test("contributionBias() is the base score plus every tree's root value", () => {
  const model = fixtureModel();
  assert.equal(contributionBias(model), model.baseScore + -0.1 + 0.05);
  const row = featureVector(featureRow());
  assert.ok(Math.abs(contributionBias(model) - pathContributions(model, row).bias) < 1e-12);
});

Deno.test("the serving graph gives tree_predict's margin and contributions for every row", async () => {
  for (const model of [fixtureModel(), randomModel(11, 40, 5)]) {
    const scorer = await OnnxScorer.create(model);
    try {
      const rows = randomRows(3, 300).map(featureVector);
      const input = new Float32Array(rows.length * 25);
      rows.forEach((row, r) => input.set(row, r * 25));
      const { scores, width } = await scorer.scoreRows(input, rows.length);
      assert.equal(width, 26);
      rows.forEach((row, r) => {
        const margin = predictMargin(model, row);
        assert.ok(Math.abs(scores[r * width + 25] - margin) < 1e-5, `row ${r} margin`);
        const expected = pathContributions(model, row);
        let sum = expected.bias;
        for (let f = 0; f < 25; f++) {
          assert.ok(Math.abs(scores[r * width + f] - expected.contributions[f]) < 1e-5);
          sum += scores[r * width + f];
        }
        assert.ok(Math.abs(sum - margin) < 1e-5, `row ${r}: bias + contributions = margin`);
      });
    } finally {
      await scorer.release();
    }
  }
});

Deno.test("scoreRow() coalesces one turn's rows, answers like scoreRows() and copies its input", async () => {
  const model = randomModel(5, 30, 4);
  const scorer = await OnnxScorer.create(model);
  try {
    const rows = randomRows(9, 50).map(featureVector);
    const buffer = new Float32Array(25);
    // Every call is started before any finishes, on one reused buffer.
    const pending = rows.map((row) => {
      buffer.set(row);
      return scorer.scoreRow(buffer);
    });
    const single = await Promise.all(pending);
    assert.equal(scorer.runs, 1, "rows arriving in one turn share one onnxruntime run");
    const input = new Float32Array(rows.length * 25);
    rows.forEach((row, r) => input.set(row, r * 25));
    const batch = await scorer.scoreRows(input, rows.length);
    single.forEach(({ scores }, r) => {
      assert.deepEqual([...scores], [...batch.scores.subarray(r * 26, r * 26 + 26)]);
    });
    // A row in a later turn gets its own run.
    await scorer.scoreRow(rows[0]);
    assert.equal(scorer.runs, 3);
  } finally {
    await scorer.release();
  }
});

Deno.test("servingGraph() refuses a split on a feature the model does not have", () => {
  const model = fixtureModel();
  const broken = { ...model, trees: [{ ...model.trees[0], feature: [25, 4, -1, -1, -1] }] };
  assert.throws(
    () => servingGraph(broken),
    (error: Error) =>
      error instanceof ServingGraphError &&
      error.message ===
        "Cannot serve tree 0 as node 0 splits on feature 25: the model has 25 features",
  );
});
