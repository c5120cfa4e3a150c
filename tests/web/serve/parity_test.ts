import assert from "node:assert/strict";
import { trainGbdt } from "../../../models/gbdt_trainer.ts";
import { trainingDataFromRows } from "../../../models/training_data.ts";
import { pathContributions, predictProbability } from "../../../models/tree_predict.ts";
import { FEATURE_NAMES } from "../../../models/features.ts";
import { featureVector, fixtureSnapshot, randomRows, seededRandom } from "./_fixture_model.ts";
import { serveFixture } from "./_serve_app.ts";

/** Rows with a fraud label that depends on velocity, VPN use and the amount, plus noise. */
function labelledRows(seed: number, count: number) {
  const random = seededRandom(seed + 1);
  return randomRows(seed, count).map((row) => {
    const margin = -3 + 1.5 * Number((row.velocity_1h as number) >= 3) +
      2 * (row.vpn_detected as number) + 0.8 * (row.amount_vs_user_avg as number) -
      0.5 * (row.is_3ds_authenticated as number);
    return { ...row, is_fraud: random() < 1 / (1 + Math.exp(-margin)) };
  });
}

Deno.test("serve's probabilities and reasons for held-out rows equal the trainer's", async () => {
  const train = trainingDataFromRows(labelledRows(1, 4000));
  const validation = trainingDataFromRows(labelledRows(2, 1000));
  const { model } = await trainGbdt(train, validation, {
    rounds: 60,
    maxDepth: 5,
    earlyStoppingRounds: 0,
    threads: 1,
    seed: 7,
  });
  assert.equal(model.trees.length, 60);
  const serve = await serveFixture({ loaded: false });
  serve.source.set(fixtureSnapshot("trained", model));
  await serve.holder.load(serve.source);
  const heldOut: Record<string, unknown>[] = labelledRows(3, 500).map((
    { is_fraud: _label, ...row },
  ) => row);
  const response = await serve.post("/v1/predict/batch", { rows: heldOut });
  assert.equal(response.status, 200);
  const body = await response.json();
  assert.equal(body.scored, heldOut.length);
  let flagged = 0;
  heldOut.forEach((row, i) => {
    const result = body.results[i];
    const vector = featureVector(row);
    const expected = predictProbability(model, vector);
    assert.ok(
      Math.abs(result.fraud_probability - expected) < 1e-5,
      `row ${i}: served ${result.fraud_probability}, trainer ${expected}`,
    );
    assert.equal(result.is_fraud, expected >= model.threshold, `row ${i} decision`);
    if (result.is_fraud) flagged++;
    const { contributions } = pathContributions(model, vector);
    const top = [...contributions.keys()]
      .filter((f) => contributions[f] !== 0)
      .sort((a, b) => Math.abs(contributions[b]) - Math.abs(contributions[a]) || a - b)
      .slice(0, 3);
    result.reasons.forEach(
      (reason: { feature: string; value: number; contribution: number }, k: number) => {
        assert.ok(
          Math.abs(reason.contribution - contributions[top[k]]) < 1e-5,
          `row ${i} reason ${k}`,
        );
        assert.equal(reason.value, row[reason.feature]);
        const size = Math.abs(contributions[top[k]]);
        const tied = top.some((f, j) =>
          j !== k && Math.abs(Math.abs(contributions[f]) - size) < 1e-5
        );
        if (!tied) assert.equal(reason.feature, FEATURE_NAMES[top[k]], `row ${i} reason ${k}`);
      },
    );
    assert.equal(result.reasons.length, top.length);
    assert.ok(
      result.reasons.every((reason: { feature: string }) => FEATURE_NAMES.includes(reason.feature)),
    );
  });
  assert.ok(flagged > 0 && flagged < heldOut.length, `the model flags some rows: ${flagged}`);
  await serve.close();
});
