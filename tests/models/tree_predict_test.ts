// Scoring in TypeScript: margins from hand-built trees, float32 comparisons, learned missing
// directions, batches equal to single rows, and Saabas contributions that sum to the margin.
import assert from "node:assert/strict";
import { trainGbdt } from "../../models/gbdt_trainer.ts";
import { ModelInputError } from "../../models/model_errors.ts";
import {
  pathContributions,
  predictBatch,
  predictBatchMargin,
  predictMargin,
  predictProbability,
  sigmoid,
} from "../../models/tree_predict.ts";
import { FIXTURE_MODEL } from "./_fixture_models.ts";
import { fraudLike } from "./_training_sets.ts";

Deno.test("predictMargin() adds the base score and the leaf each tree reaches", () => {
  assert.equal(predictMargin(FIXTURE_MODEL, [0, 0, 0]), -1.5 + 0.2 - 0.25);
  assert.equal(predictMargin(FIXTURE_MODEL, [1, 2, 1]), -1.5 - 0.4 + 0.3);
  assert.equal(predictMargin(FIXTURE_MODEL, [0.5, 2.25, 0.1]), -1.5 + 0.6 + 0.3);
});

Deno.test("predictMargin() sends a missing value to the node's learned default side", () => {
  assert.equal(predictMargin(FIXTURE_MODEL, [NaN, 9, NaN]), -1.5 + 0.2 + 0.3);
  assert.equal(predictMargin(FIXTURE_MODEL, [1, NaN, 0]), -1.5 + 0.6 - 0.25);
});

Deno.test("predictMargin() compares the row's values in float32, as onnxruntime does", () => {
  // 0.1 as a double is below Math.fround(0.1), but the same float32 as the threshold.
  assert.ok(0.1 < Math.fround(0.1));
  assert.equal(predictMargin(FIXTURE_MODEL, [0, 0, 0.1]), -1.5 + 0.2 + 0.3);
});

Deno.test("predictProbability() is the sigmoid of the margin", () => {
  assert.equal(predictProbability(FIXTURE_MODEL, [0, 0, 0]), 1 / (1 + Math.exp(1.55)));
  assert.equal(sigmoid(0), 0.5);
});

Deno.test("predictBatch() scores every row as predictProbability() does, bit for bit", () => {
  const rows = [[0, 0, 0], [1, 2, 1], [NaN, 9, NaN], [1, NaN, 0], [0.5, 2.25, 0.1]];
  const features = Float32Array.from(rows.flat());
  const probabilities = predictBatch(FIXTURE_MODEL, features, rows.length);
  const margins = predictBatchMargin(FIXTURE_MODEL, features, rows.length);
  rows.forEach((row, i) => {
    assert.equal(probabilities[i], predictProbability(FIXTURE_MODEL, row));
    assert.equal(margins[i], predictMargin(FIXTURE_MODEL, row));
  });
});

Deno.test("pathContributions() credits each split's value change to its feature", () => {
  const { bias, contributions } = pathContributions(FIXTURE_MODEL, [1, 3, 0]);
  assert.equal(bias, -1.5 + 0.05 + 0.01);
  // Tree A: root 0.05 -> node 2 (0.1) on x0, -> leaf 0.6 on x1; tree B: 0.01 -> -0.25 on x2.
  assert.deepEqual([...contributions], [0.1 - 0.05, 0.6 - 0.1, -0.25 - 0.01]);
  const sum = contributions.reduce((total, value) => total + value, bias);
  assert.ok(Math.abs(sum - predictMargin(FIXTURE_MODEL, [1, 3, 0])) <= 1e-12);
});

Deno.test("predictMargin() rejects a row of the wrong length, saying how many values it needs", () => {
  assert.throws(
    () => predictMargin(FIXTURE_MODEL, [1, 2]),
    (error: unknown) =>
      error instanceof ModelInputError &&
      error.message ===
        "Cannot score a row as it must have one value per model feature (3): current length is 2",
  );
});

Deno.test("pathContributions() of a trained model sum to its margin on every row (1e-9)", async () => {
  const rows = fraudLike(2_000, 31);
  const { model } = await trainGbdt(fraudLike(4_000, 30), undefined, { rounds: 50 });
  const width = rows.featureCount;
  for (let r = 0; r < rows.rows; r++) {
    const row = rows.features.subarray(r * width, (r + 1) * width);
    const { bias, contributions } = pathContributions(model, row);
    const sum = contributions.reduce((total, value) => total + value, bias);
    const margin = predictMargin(model, row);
    assert.ok(Math.abs(sum - margin) <= 1e-9, `row ${r}: ${sum} vs ${margin}`);
  }
});
