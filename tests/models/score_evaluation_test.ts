import assert from "node:assert/strict";
import { evaluateScores } from "../../models/score_evaluation.ts";

const scores = [0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2, 0.1];
const labels = [1, 1, 0, 1, 0, 0, 1, 0];

Deno.test("evaluateScores() at a model's own threshold gives its precision, recall and matrix", () => {
  const e = evaluateScores(scores, labels, { threshold: 0.6 });
  assert.equal(e.rows, 8);
  assert.equal(e.positives, 4);
  assert.equal(e.threshold, 0.6);
  assert.equal(e.precision, 0.75);
  assert.equal(e.recall, 0.75);
  assert.deepEqual(e.confusion, {
    truePositives: 3,
    falsePositives: 1,
    trueNegatives: 3,
    falseNegatives: 1,
  });
  assert.equal(e.rocAuc, 0.75);
  assert.equal(e.thresholdReached, false);
});

Deno.test("evaluateScores() without a threshold picks the lowest reaching the target precision", () => {
  const e = evaluateScores(scores, labels, { targetPrecision: 0.9 });
  assert.equal(e.threshold, 0.8);
  assert.equal(e.precision, 1);
  assert.equal(e.recall, 0.5);
  assert.equal(e.thresholdReached, true);
});

Deno.test("evaluateScores() gives null AUCs when one class is absent", () => {
  const e = evaluateScores([0.2, 0.4], [0, 0], { threshold: 0.5 });
  assert.equal(e.rocAuc, null);
  assert.equal(e.prAuc, null);
  assert.equal(e.recall, 0);
});
