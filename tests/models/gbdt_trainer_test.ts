// The trainer on problems with known answers: separable data, XOR (depth 2 needed), noise,
// missing values, one hand-computed split, determinism, early stopping and a loss that never
// rises.
import assert from "node:assert/strict";
import { trainGbdt } from "../../models/gbdt_trainer.ts";
import { rocAuc } from "../../models/metrics.ts";
import { ModelInputError } from "../../models/model_errors.ts";
import { createTrainingData } from "../../models/training_data.ts";
import { predictBatch, predictMargin } from "../../models/tree_predict.ts";
import {
  fraudLike,
  missingCarriesLabel,
  noise,
  separable,
  weakSignal,
  xor,
} from "./_training_sets.ts";

function close(actual: number, expected: number, tolerance: number, what: string) {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual} is not within ${tolerance} of ${expected}`,
  );
}

Deno.test("trainGbdt() grows the hand-computed split, leaf values, cover and gain", async () => {
  // x = [0, 0, 1, 1], y = [0, 1, 1, 1]: base log 3, p = 0.75, g = p - y, h = 0.1875.
  const data = createTrainingData({
    features: Float32Array.from([0, 0, 1, 1]),
    labels: Uint8Array.from([0, 1, 1, 1]),
    featureCount: 1,
  });
  const { model } = await trainGbdt(data, undefined, {
    rounds: 1,
    maxDepth: 1,
    learningRate: 1,
    lambda: 0,
    minChildWeight: 0,
  });
  close(model.baseScore, Math.log(3), 1e-12, "base score");
  const [tree] = model.trees;
  assert.deepEqual(tree.feature, [0, -1, -1]);
  assert.deepEqual(tree.threshold, [0.5, 0, 0]);
  assert.deepEqual(tree.left, [1, -1, -1]);
  assert.deepEqual(tree.right, [2, -1, -1]);
  close(tree.value[0], 0, 1e-6, "root value");
  close(tree.value[1], -0.5 / 0.375, 1e-6, "left leaf");
  close(tree.value[2], 0.5 / 0.375, 1e-6, "right leaf");
  close(tree.cover[0], 0.75, 1e-6, "root cover");
  close(tree.cover[1], 0.375, 1e-6, "left cover");
  close(tree.gain[0], 2 * (0.25 / 0.375), 1e-6, "gain (XGBoost's scale)");
  assert.equal(model.threshold, 0.5, "no validation rows: threshold 0.5");
});

Deno.test("trainGbdt() separates separable data perfectly on validation", async () => {
  const result = await trainGbdt(separable(2_000, 1), separable(1_000, 2), {
    rounds: 20,
    maxDepth: 2,
  });
  const last = result.history.at(-1)!;
  assert.equal(last.validationAuc, 1);
  assert.equal(result.model.trees[0].feature[0], 0, "the root splits on x0");
  close(result.model.trees[0].threshold[0], 0.5, 0.01, "at about 0.5");
});

Deno.test("trainGbdt() learns XOR with depth 2 and cannot with depth 1", async () => {
  const train = xor(4_000, 3);
  const validation = xor(2_000, 4);
  const stumps = await trainGbdt(train, validation, { rounds: 50, maxDepth: 1 });
  const trees = await trainGbdt(train, validation, { rounds: 50, maxDepth: 2 });
  const stumpAuc = stumps.history.at(-1)!.validationAuc!;
  assert.ok(stumpAuc < 0.65, `depth 1 reaches AUC ${stumpAuc} (0.6 at best in expectation)`);
  assert.equal(trees.history.at(-1)!.validationAuc, 1);
});

Deno.test("trainGbdt() on pure noise gives a validation AUC within 0.45..0.55", async () => {
  const result = await trainGbdt(noise(5_000, 5), noise(5_000, 6), {
    rounds: 100,
    maxDepth: 3,
    earlyStoppingRounds: 10,
  });
  const validation = noise(5_000, 6);
  const auc = rocAuc(
    predictBatch(result.model, validation.features, validation.rows),
    validation.labels,
  );
  assert.ok(auc > 0.45 && auc < 0.55, `AUC ${auc}`);
});

for (const missingLabel of [1, 0] as const) {
  Deno.test(`trainGbdt() sends missing values the learned way when missing means ${missingLabel}`, async () => {
    const result = await trainGbdt(
      missingCarriesLabel(3_000, 7, missingLabel),
      missingCarriesLabel(1_000, 8, missingLabel),
      { rounds: 30, maxDepth: 2 },
    );
    assert.equal(result.history.at(-1)!.validationAuc, 1);
    const missing = predictMargin(result.model, [NaN, 0.5]);
    const present = predictMargin(result.model, [0.5, 0.5]);
    if (missingLabel === 1) assert.ok(missing > 2 && present < -2, `${missing} ${present}`);
    else assert.ok(missing < -2 && present > 2, `${missing} ${present}`);
  });
}

Deno.test("trainGbdt() sends unseen missing values to the heavier child", async () => {
  const result = await trainGbdt(separable(2_000, 9), undefined, { rounds: 1, maxDepth: 1 });
  const [tree] = result.model.trees;
  const leftHeavier = tree.cover[tree.left[0]] >= tree.cover[tree.right[0]];
  assert.equal(tree.missingLeft[0], leftHeavier);
});

Deno.test("trainGbdt() is deterministic for a seed, on one thread or two", async () => {
  const train = fraudLike(3_000, 10);
  const params = { rounds: 15, subsample: 0.7, colsampleByTree: 0.6, seed: 7 };
  const first = await trainGbdt(train, undefined, { ...params, threads: 2 });
  const second = await trainGbdt(train, undefined, { ...params, threads: 2 });
  const single = await trainGbdt(train, undefined, { ...params, threads: 1 });
  assert.equal(JSON.stringify(second.model), JSON.stringify(first.model));
  assert.equal(JSON.stringify(single.model), JSON.stringify(first.model));
  assert.deepEqual(single.history, first.history);
  const other = await trainGbdt(train, undefined, { ...params, seed: 8 });
  assert.notEqual(JSON.stringify(other.model), JSON.stringify(first.model));
});

Deno.test("trainGbdt() stops early and keeps the best round's trees", async () => {
  const validation = weakSignal(2_000, 12);
  const logs: number[] = [];
  const result = await trainGbdt(
    weakSignal(2_000, 11),
    validation,
    { rounds: 300, maxDepth: 6, learningRate: 0.5, earlyStoppingRounds: 5 },
    (log) => logs.push(log.round),
  );
  assert.ok(result.stoppedEarly);
  assert.equal(result.roundsRun, result.bestRound + 5);
  assert.equal(result.model.trees.length, result.bestRound);
  assert.deepEqual(logs, result.history.map((log) => log.round));
  const losses = result.history.map((log) => log.validationLoss!);
  assert.equal(Math.min(...losses), losses[result.bestRound - 1]);
  const bestAuc = result.history[result.bestRound - 1].validationAuc!;
  const keptAuc = rocAuc(
    predictBatch(result.model, validation.features, validation.rows),
    validation.labels,
  );
  close(keptAuc, bestAuc, 1e-12, "the kept model's AUC is the best round's");
});

Deno.test("trainGbdt() training loss never rises from round to round", async () => {
  const result = await trainGbdt(fraudLike(5_000, 13), fraudLike(2_000, 14), {
    rounds: 60,
    earlyStoppingRounds: 0,
  });
  assert.equal(result.roundsRun, 60);
  for (let i = 1; i < result.history.length; i++) {
    assert.ok(
      result.history[i].trainLoss <= result.history[i - 1].trainLoss,
      `round ${i + 1}: ${result.history[i].trainLoss} > ${result.history[i - 1].trainLoss}`,
    );
  }
  const auc = result.history.at(-1)!.validationAuc!;
  assert.ok(auc > 0.85, `validation AUC ${auc}`);
});

Deno.test("trainGbdt() starts from the log-odds of the weighted positive rate", async () => {
  const train = fraudLike(2_000, 15);
  const positives = train.labels.reduce((sum, label) => sum + label, 0);
  const negatives = train.rows - positives;
  const plain = await trainGbdt(train, undefined, { rounds: 1 });
  const weighted = await trainGbdt(train, undefined, { rounds: 1, scalePosWeight: 5 });
  close(plain.model.baseScore, Math.log(positives / negatives), 1e-12, "unweighted");
  close(weighted.model.baseScore, Math.log((5 * positives) / negatives), 1e-12, "weighted");
});

Deno.test("trainGbdt() sets the threshold reaching the target precision on validation", async () => {
  const validation = fraudLike(3_000, 17);
  const result = await trainGbdt(fraudLike(5_000, 16), validation, {
    rounds: 40,
    thresholdPrecision: 0.9,
  });
  const scores = predictBatch(result.model, validation.features, validation.rows);
  let flagged = 0;
  let hits = 0;
  for (let i = 0; i < validation.rows; i++) {
    if (scores[i] >= result.model.threshold) {
      flagged++;
      hits += validation.labels[i];
    }
  }
  assert.ok(hits / flagged >= 0.9, `precision ${hits / flagged}`);
});

Deno.test("trainGbdt() rejects a parameter out of range, naming it and the value", async () => {
  await assert.rejects(
    () => trainGbdt(separable(100, 1), undefined, { maxDepth: 0 }),
    (error: unknown) =>
      error instanceof ModelInputError &&
      error.message ===
        "Cannot train as 'maxDepth' must be an integer from 1 to 12: current value is 0",
  );
  await assert.rejects(
    () => trainGbdt(separable(100, 1), undefined, { subsample: 0 }),
    /'subsample' must be a number above 0 to 1: current value is 0/,
  );
});

Deno.test("trainGbdt() rejects training rows of one class", async () => {
  const data = createTrainingData({
    features: Float32Array.from([1, 2]),
    labels: Uint8Array.from([0, 0]),
    featureCount: 1,
  });
  await assert.rejects(
    () => trainGbdt(data, undefined),
    /must hold both classes with positive weight: current weights are 0 positive and 2 negative/,
  );
});

Deno.test("trainGbdt() trains as without validation when the validation set has no rows", async () => {
  const empty = createTrainingData({
    features: new Float32Array(0),
    labels: new Uint8Array(0),
    featureCount: 6,
  });
  const result = await trainGbdt(fraudLike(1_000, 18), empty, { rounds: 5 });
  assert.equal(result.model.trees.length, 5);
  assert.equal(result.history[4].validationLoss, null);
  assert.equal(result.model.threshold, 0.5);
});
