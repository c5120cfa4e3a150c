import assert from "node:assert/strict";
import { Histogram, Registry } from "prom-client";
import { BulkHistogram, HistogramValueError } from "../../../web/serve/bulk_histogram.ts";
import { seededRandom } from "./_fixture_model.ts";

const BUCKETS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99];

function pair() {
  const bulkRegistry = new Registry();
  const promRegistry = new Registry();
  const config = { name: "probability", help: "Probabilities.", buckets: BUCKETS };
  return {
    bulk: new BulkHistogram({ ...config, registers: [bulkRegistry] }),
    prom: new Histogram({ ...config, registers: [promRegistry] }),
    text: async () => [await bulkRegistry.metrics(), await promRegistry.metrics()],
  };
}

Deno.test("a BulkHistogram renders what prom-client's Histogram renders for the same values", async () => {
  const { bulk, prom, text } = pair();
  const [emptyBulk, emptyProm] = await text();
  assert.equal(emptyBulk, emptyProm);
  const random = seededRandom(7);
  // Values on the bounds, above the last one, and a spread between.
  const values = Float64Array.from([0.01, 0.99, 1, 0, 0.5, 2.5, ...BUCKETS.map((b) => b - 1e-12)]);
  const batch = Float64Array.from({ length: 2000 }, () => random());
  bulk.observeAll(values);
  bulk.observeAll(batch, 1500);
  bulk.observe(0.3);
  for (const value of values) prom.observe(value);
  for (const value of batch.subarray(0, 1500)) prom.observe(value);
  prom.observe(0.3);
  const [bulkText, promText] = await text();
  assert.equal(bulkText, promText);
  assert.match(bulkText, /probability_count 1521\n/);
  bulk.reset();
  prom.reset();
  const [resetBulk, resetProm] = await text();
  assert.equal(resetBulk, resetProm);
  bulk.observeAll(values, 3);
  for (const value of values.subarray(0, 3)) prom.observe(value);
  const [againBulk, againProm] = await text();
  assert.equal(againBulk, againProm);
});

Deno.test("a BulkHistogram refuses a value that is not finite and counts none of its batch", async () => {
  const { bulk, text } = pair();
  assert.throws(() => bulk.observe(NaN), HistogramValueError);
  assert.throws(() => bulk.observeAll(Float64Array.from([0.1, Infinity])), HistogramValueError);
  const [bulkText] = await text();
  assert.match(bulkText, /probability_count 0\n/);
});
