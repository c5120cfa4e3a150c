// The training set: plain silver rows become row-major float32 features (null = NaN) and 0/1
// labels; shapes are checked; a mask slices rows with their weights.
import assert from "node:assert/strict";
import { FEATURE_NAMES } from "../../models/features.ts";
import { ModelInputError } from "../../models/model_errors.ts";
import { createTrainingData, sliceRows, trainingDataFromRows } from "../../models/training_data.ts";

function contractRow(fill: number, label: boolean | number): Record<string, unknown> {
  return { ...Object.fromEntries(FEATURE_NAMES.map((name) => [name, fill])), is_fraud: label };
}

Deno.test("trainingDataFromRows() lays features out row-major in contract order, null as NaN", () => {
  const first = { ...contractRow(1, true), velocity_24h: null, vpn_detected: false };
  const second = { ...contractRow(2, 0), amount_usd: 12.5 };
  const data = trainingDataFromRows([first, second]);
  assert.equal(data.rows, 2);
  assert.equal(data.featureCount, 25);
  assert.equal(data.features.length, 50);
  assert.equal(data.features[0], 1);
  assert.ok(Number.isNaN(data.features[1]), "velocity_24h null is missing");
  assert.equal(data.features[FEATURE_NAMES.indexOf("vpn_detected")], 0);
  assert.equal(data.features[25 + FEATURE_NAMES.indexOf("amount_usd")], 12.5);
  assert.equal(data.features[25], 2);
  assert.deepEqual([...data.labels], [1, 0]);
  assert.equal(data.weights, undefined);
});

Deno.test("trainingDataFromRows() rejects a row without a contract feature, naming it", () => {
  const { account_age_days: _, ...row } = contractRow(0, false);
  assert.throws(
    () => trainingDataFromRows([contractRow(0, false), row]),
    (error: unknown) =>
      error instanceof ModelInputError &&
      error.message ===
        "Cannot build training data as feature 'account_age_days' of row 1 must be a number, boolean or null: current value is undefined; select every contract feature (models/features.ts)",
  );
});

Deno.test("trainingDataFromRows() rejects a label that is not true/false or 1/0", () => {
  assert.throws(
    () => trainingDataFromRows([contractRow(0, "yes" as unknown as boolean)]),
    /label 'is_fraud' of row 0 must be true\/false or 1\/0: current value is "yes"/,
  );
});

Deno.test("createTrainingData() checks the features' length against rows x featureCount", () => {
  assert.throws(
    () =>
      createTrainingData({
        features: new Float32Array(5),
        labels: new Uint8Array(2),
        featureCount: 2,
      }),
    /'features' must hold labels.length x featureCount = 2 x 2 values: current length is 5/,
  );
  assert.throws(
    () =>
      createTrainingData({
        features: new Float32Array(2),
        labels: new Uint8Array(1),
        weights: new Float32Array([-1]),
        featureCount: 2,
      }),
    /every weight must be finite and >= 0: row 0 has -1/,
  );
});

Deno.test("sliceRows() keeps the masked rows in order with their labels and weights", () => {
  const data = createTrainingData({
    features: Float32Array.from([0, 1, 10, 11, 20, 21]),
    labels: Uint8Array.from([0, 1, 1]),
    weights: Float32Array.from([1, 2, 3]),
    featureCount: 2,
  });
  const sliced = sliceRows(data, [true, false, 1]);
  assert.equal(sliced.rows, 2);
  assert.deepEqual([...sliced.features], [0, 1, 20, 21]);
  assert.deepEqual([...sliced.labels], [0, 1]);
  assert.deepEqual([...sliced.weights!], [1, 3]);
  assert.throws(() => sliceRows(data, [true]), /one entry per row \(3\): current length is 1/);
});
