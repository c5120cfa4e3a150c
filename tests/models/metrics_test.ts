// Metrics on tiny inputs worked out by hand, ties included.
import assert from "node:assert/strict";
import {
  brierScore,
  confusionMatrix,
  featureImportance,
  logLoss,
  marginLogLoss,
  prAuc,
  precisionRecallAt,
  rocAuc,
  thresholdForPrecision,
} from "../../models/metrics.ts";
import { FIXTURE_MODEL } from "./_fixture_models.ts";

const SCORES = [0.1, 0.4, 0.35, 0.8];
const LABELS = [0, 0, 1, 1];

Deno.test("rocAuc() counts the pairs a positive wins: 3 of 4", () => {
  assert.equal(rocAuc(SCORES, LABELS), 0.75);
});

Deno.test("rocAuc() counts a tied pair as half a win", () => {
  // Positives 0.5 and 0.9, negatives 0.5 and 0.2: 0.5 + 1 + 1 + 1 of 4 pairs.
  assert.equal(rocAuc([0.5, 0.5, 0.2, 0.9], [1, 0, 0, 1]), 0.875);
  assert.equal(rocAuc([0.3, 0.3, 0.3], [1, 0, 1]), 0.5);
});

Deno.test("rocAuc() is NaN with one class and rejects mismatched lengths", () => {
  assert.ok(Number.isNaN(rocAuc([0.2, 0.4], [1, 1])));
  assert.throws(
    () => rocAuc([0.2], [1, 0]),
    /Cannot compute ROC-AUC as scores and labels must have the same length: current lengths are 1 and 2/,
  );
});

Deno.test("prAuc() is average precision: recall steps weighted by precision", () => {
  // 0.8: P 1, R 0.5; 0.4: P 1/2, R 0.5; 0.35: P 2/3, R 1.
  assert.equal(prAuc(SCORES, LABELS), 0.5 * 1 + 0.5 * (2 / 3));
  // Tied scores are one step: 0.9: P 1, R 0.5; 0.5 (one positive, one negative): P 2/3, R 1.
  assert.equal(prAuc([0.5, 0.5, 0.2, 0.9], [1, 0, 0, 1]), 0.5 + 0.5 * (2 / 3));
});

Deno.test("logLoss() and marginLogLoss() agree with the hand-computed mean", () => {
  const expected = -(Math.log(0.9) + Math.log(0.8)) / 2;
  assert.ok(Math.abs(logLoss([0.9, 0.2], [1, 0]) - expected) < 1e-15);
  const margins = [Math.log(0.9 / 0.1), Math.log(0.2 / 0.8)];
  assert.ok(Math.abs(marginLogLoss(margins, [1, 0]) - expected) < 1e-15);
  // Weighted: the second row counts three times.
  const weighted = -(Math.log(0.9) + 3 * Math.log(0.8)) / 4;
  assert.ok(Math.abs(logLoss([0.9, 0.2], [1, 0], [1, 3]) - weighted) < 1e-15);
});

Deno.test("brierScore() is the mean squared error of the probabilities", () => {
  assert.ok(Math.abs(brierScore([0.9, 0.2], [1, 0]) - 0.025) < 1e-15);
});

Deno.test("thresholdForPrecision() takes the lowest threshold reaching the precision", () => {
  // Precision by threshold: 0.8 -> 1, 0.4 -> 1/2, 0.35 -> 2/3, 0.1 -> 1/2.
  assert.deepEqual(thresholdForPrecision(SCORES, LABELS, 0.6), {
    threshold: 0.35,
    precision: 2 / 3,
    recall: 1,
    reached: true,
  });
  assert.deepEqual(thresholdForPrecision(SCORES, LABELS, 0.9), {
    threshold: 0.8,
    precision: 1,
    recall: 0.5,
    reached: true,
  });
});

Deno.test("thresholdForPrecision() falls back to the best precision, flagged not reached", () => {
  // Precision by threshold: 0.9 -> 0, 0.8 -> 0, 0.2 -> 1/3, 0.1 -> 1/4.
  assert.deepEqual(thresholdForPrecision([0.9, 0.8, 0.1, 0.2], [0, 0, 0, 1], 0.5), {
    threshold: 0.2,
    precision: 1 / 3,
    recall: 1,
    reached: false,
  });
  assert.throws(() => thresholdForPrecision([], [], 0.9), /there are no scored rows/);
});

Deno.test("precisionRecallAt() and confusionMatrix() flag rows scoring at or above the threshold", () => {
  assert.deepEqual(precisionRecallAt(SCORES, LABELS, 0.5), { precision: 1, recall: 0.5 });
  assert.deepEqual(precisionRecallAt(SCORES, LABELS, 0.95), { precision: 0, recall: 0 });
  assert.deepEqual(confusionMatrix(SCORES, LABELS, 0.35), {
    truePositives: 2,
    falsePositives: 1,
    trueNegatives: 1,
    falseNegatives: 0,
  });
});

Deno.test("featureImportance() shares the total split gain by feature, highest first", () => {
  // Gains: x0 1.5, x1 0.8 (tree A), x2 0.7 (tree B); total 3.
  assert.deepEqual(featureImportance(FIXTURE_MODEL), [
    { feature: "x0", gain: 1.5, importance: 0.5 },
    { feature: "x1", gain: 0.8, importance: 0.8 / 3 },
    { feature: "x2", gain: 0.7, importance: 0.7 / 3 },
  ]);
  const empty = featureImportance({ ...FIXTURE_MODEL, trees: [] });
  assert.deepEqual(empty.map((entry) => entry.importance), [0, 0, 0]);
});
