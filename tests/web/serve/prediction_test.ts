import assert from "node:assert/strict";
import { FEATURE_NAMES } from "../../../models/features.ts";
import { rowPrediction } from "../../../web/serve/prediction.ts";
import { riskLevel } from "../../../web/serve/risk_level.ts";

Deno.test("riskLevel() is high from the threshold, medium from half of it, low below", () => {
  assert.equal(riskLevel(0.4, 0.4), "high");
  assert.equal(riskLevel(0.99, 0.4), "high");
  assert.equal(riskLevel(0.39, 0.4), "medium");
  assert.equal(riskLevel(0.2, 0.4), "medium");
  assert.equal(riskLevel(0.19, 0.4), "low");
  assert.equal(riskLevel(0, 0.4), "low");
});

Deno.test("rowPrediction() reads the margin, decides, and lists the top three contributions", () => {
  const scores = new Float32Array(2 * 26);
  const row = 1;
  const base = row * 26;
  scores[base + 3] = 0.25; // amount_usd
  scores[base + 7] = -0.5; // chargeback_count
  scores[base + 11] = 0.25; // vpn_detected: ties amount_usd, comes later
  scores[base + 20] = 0.125; // is_3ds_authenticated: fourth, left out
  scores[base + 25] = 0; // margin 0: probability 0.5
  const values = Object.fromEntries(FEATURE_NAMES.map((name, i) => [name, i]));
  const prediction = rowPrediction({ scores, width: 26 }, row, 0.5, FEATURE_NAMES, values);
  assert.deepEqual(prediction, {
    fraud_probability: 0.5,
    is_fraud: true,
    risk_level: "high",
    reasons: [
      { feature: "chargeback_count", value: 7, contribution: -0.5 },
      { feature: "amount_usd", value: 3, contribution: 0.25 },
      { feature: "vpn_detected", value: 11, contribution: 0.25 },
    ],
  });
});

Deno.test("rowPrediction() leaves out features that contributed nothing", () => {
  const scores = new Float32Array(26);
  scores[5] = 0.1;
  scores[25] = -2;
  const values = Object.fromEntries(FEATURE_NAMES.map((name) => [name, 1]));
  const prediction = rowPrediction({ scores, width: 26 }, 0, 0.3, FEATURE_NAMES, values);
  assert.equal(prediction.reasons.length, 1);
  assert.equal(prediction.reasons[0].feature, "amount_vs_user_p95");
  assert.ok(Math.abs(prediction.fraud_probability - 1 / (1 + Math.exp(2))) < 1e-15);
  assert.equal(prediction.risk_level, "low");
});
