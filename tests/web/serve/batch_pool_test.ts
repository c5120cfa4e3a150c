import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { predictProbability } from "../../../models/tree_predict.ts";
import { createServeApp } from "../../../web/serve/app.ts";
import { BatchPool } from "../../../web/serve/batch_pool.ts";
import { answerBatchBytes } from "../../../web/serve/batch_scoring.ts";
import { MemoryModelSource } from "../../../web/serve/memory_model_source.ts";
import { ModelHolder } from "../../../web/serve/model_holder.ts";
import { OnnxScorer } from "../../../web/serve/onnx_scorer.ts";
import { RowReader } from "../../../web/serve/row_reader.ts";
import { onnxModelLoader } from "../../../web/serve/serving_model.ts";
import {
  featureRow,
  featureVector,
  fixtureSnapshot,
  randomModel,
  randomRows,
  shiftedModel,
} from "./_fixture_model.ts";

const reader = new RowReader();
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The answer with every latency_ms set to 0: the one field that depends on the clock. */
function withoutLatency(body: string): string {
  return body.replaceAll(/"latency_ms":[0-9.e+-]+/g, '"latency_ms":0');
}

Deno.test("a batch pool answers exactly as the event loop does, and closes released models", async () => {
  const pool = new BatchPool(2);
  const model = randomModel(5, 30, 5);
  const pooled = await OnnxScorer.create(model, { batchPool: pool });
  const local = await OnnxScorer.create(model);
  assert.equal(pool.openModels, 1);
  const rows: unknown[] = randomRows(8, 250).map((row, i) => ({ ...row, transaction_id: `t${i}` }));
  rows[3] = featureRow({ hour_of_day: 24 });
  rows[4] = [];
  const text = JSON.stringify({ rows }).replace('{"velocity_1h"', '{"day_of_week":2,"velocity_1h"');
  const answer = (scorer: OnnxScorer, body: string) =>
    answerBatchBytes(
      encoder.encode(body),
      reader,
      { version: "v7", threshold: 0.4, scorer },
      () => 2.5,
    );
  const viaPool = await answer(pooled, text);
  const here = await answer(local, text);
  assert.ok(viaPool.body instanceof Uint8Array);
  assert.equal(typeof here.body, "string");
  assert.equal(withoutLatency(decoder.decode(viaPool.body)), withoutLatency(here.body as string));
  assert.equal(viaPool.scored, 247);
  assert.equal(viaPool.rejected, 3);
  assert.deepEqual([...viaPool.probabilities], [...here.probabilities]);
  // The worker adds its own time to the request's time so far.
  assert.ok(JSON.parse(decoder.decode(viaPool.body)).latency_ms >= 2.5);
  // Errors of the whole body keep their status and shape.
  const bad = await answer(pooled, `{"rows":[],"extra":1}`).catch((error) => error);
  assert.equal(bad.status, 422);
  assert.deepEqual(bad.detail.map((entry: { field: string }) => entry.field), ["rows", "extra"]);
  assert.equal((await answer(pooled, "{").catch((error) => error)).status, 400);
  await pooled.release();
  assert.equal(pool.openModels, 0);
  await assert.rejects(answer(pooled, text));
  await local.release();
  pool.close();
});

// Three versions score the same row differently, so an answer's probability tells which model
// computed it; it must be the model its model_version names.
const VERSIONS = ["v0", "v1", "v2"];
const MODELS = new Map(VERSIONS.map((version, i) => [version, shiftedModel(i * 0.4)]));

Deno.test("batches on a pool during hot swaps: each answered by the model it leased, all closed at the end", async () => {
  const pool = new BatchPool(2);
  const holder = new ModelHolder(onnxModelLoader({ batchPool: pool }));
  const source = new MemoryModelSource(fixtureSnapshot("v0", MODELS.get("v0")));
  await holder.load(source);
  const app = createServeApp({ holder, source, registry: new Registry() });
  const rows = randomRows(21, 40);
  const statuses: number[] = [];
  const seen = new Set<string>();
  let swapping = true;
  const client = async () => {
    while (swapping) {
      const response = await app.request("/v1/predict/batch", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ rows }),
      });
      statuses.push(response.status);
      if (response.status !== 200) continue;
      const body = await response.json();
      seen.add(body.model_version);
      body.results.forEach((result: { fraud_probability: number }, i: number) => {
        const expected = predictProbability(
          MODELS.get(body.model_version)!,
          featureVector(rows[i]),
        );
        assert.ok(Math.abs(result.fraud_probability - expected) < 1e-6);
      });
    }
  };
  const clients = Array.from({ length: 6 }, client);
  for (let swap = 1; swap <= 12; swap++) {
    const version = VERSIONS[swap % VERSIONS.length];
    source.set(fixtureSnapshot(version, MODELS.get(version)));
    await holder.load(source);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  swapping = false;
  await Promise.all(clients);
  await holder.close();
  assert.ok(statuses.length > 20, `enough load: ${statuses.length} batches`);
  assert.deepEqual([...new Set(statuses)], [200]);
  assert.deepEqual([...seen].sort(), VERSIONS);
  assert.equal(pool.openModels, 0, "every model closed on the workers once its leases ended");
  pool.close();
});
