import assert from "node:assert/strict";
import { FEATURE_NAMES } from "../../../models/features.ts";
import { readBatch } from "../../../web/serve/batch_request.ts";
import { answerBatch } from "../../../web/serve/batch_scoring.ts";
import { duplicateKeys } from "../../../web/serve/duplicate_keys.ts";
import { OnnxScorer } from "../../../web/serve/onnx_scorer.ts";
import { predictionBody, rowPrediction } from "../../../web/serve/prediction.ts";
import { RowReader } from "../../../web/serve/row_reader.ts";
import { featureRow, randomModel, randomRows } from "./_fixture_model.ts";

const reader = new RowReader();

/** The answer built the plain way: one object per row and reason, then JSON.stringify. */
async function reference(
  text: string,
  model: { version: string; threshold: number; scorer: OnnxScorer },
): Promise<string> {
  const value = JSON.parse(text);
  const batch = readBatch(value, duplicateKeys(text, value), reader);
  const scores = batch.scored.length > 0
    ? await model.scorer.scoreRows(batch.input, batch.scored.length)
    : undefined;
  const results: unknown[] = new Array(batch.rows.length);
  for (const [index, errors] of batch.rejected) results[index] = { index, errors };
  batch.scored.forEach((index, k) => {
    const row = rowPrediction(
      scores!,
      k,
      model.threshold,
      FEATURE_NAMES,
      batch.rows[index] as Record<string, unknown>,
    );
    results[index] = predictionBody(row, model.version, 1.5, batch.transactionIds[k], index);
  });
  return JSON.stringify({
    model_version: model.version,
    latency_ms: 1.5,
    scored: batch.scored.length,
    rejected: batch.rejected.size,
    results,
  });
}

Deno.test("answerBatch() writes the same JSON as building objects and JSON.stringify", async () => {
  const scorer = await OnnxScorer.create(randomModel(7, 30, 5));
  const model = { version: 'v"1\\', threshold: 0.4, scorer };
  const rows: unknown[] = randomRows(3, 300).map((row, i) =>
    i % 3 === 0 ? { ...row, transaction_id: `t:${i}"\u2028é` } : row
  );
  rows[5] = featureRow({ vpn_detected: 2 });
  rows[9] = "not a row";
  rows[17] = featureRow({ colour: "red:blue" });
  rows[40] = {};
  const text = JSON.stringify({ rows });
  // A repeated key inside one row and one with an escaped colon take the slow path.
  const repeated = text.replace('{"velocity_1h"', '{"hour_of_day":3,"velocity_1h"');
  const escaped = text.replace("t:0", "t\\u003a0");
  for (const body of [text, repeated, escaped]) {
    const answer = await answerBatch(body, reader, model, () => 1.5);
    assert.equal(answer.body, await reference(body, model));
    const parsed = JSON.parse(answer.body);
    assert.equal(answer.scored, parsed.scored);
    assert.equal(answer.rejected, parsed.rejected);
    assert.equal(answer.rows, 300);
    const probabilities = parsed.results.filter((r: { errors?: unknown }) => !r.errors)
      .map((r: { fraud_probability: number }) => r.fraud_probability);
    assert.deepEqual([...answer.probabilities], probabilities);
  }
  const withRepeat = JSON.parse((await answerBatch(repeated, reader, model, () => 1)).body);
  assert.equal(withRepeat.results[0].errors[0].code, "duplicate_field");
  assert.equal(withRepeat.rejected, 5);
  await scorer.release();
});

Deno.test("answerBatch() fails the whole body for bad JSON, a repeated envelope key or no rows", async () => {
  const scorer = await OnnxScorer.create(randomModel(7, 5, 3));
  const model = { version: "v", threshold: 0.5, scorer };
  const row = JSON.stringify(featureRow());
  const statuses = [];
  for (const body of ["{", `{"rows":[${row}],"rows":[${row}]}`, `{"rows":[]}`, `[]`]) {
    statuses.push(
      await answerBatch(body, reader, model, () => 0).then(
        () => 200,
        (error) => error.status,
      ),
    );
  }
  assert.deepEqual(statuses, [400, 422, 422, 422]);
  await scorer.release();
});
