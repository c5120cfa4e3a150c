import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { predictProbability } from "../../../models/tree_predict.ts";
import { createServeApp } from "../../../web/serve/app.ts";
import { serveGracefully } from "../../../web/serve/graceful_server.ts";
import { MemoryModelSource } from "../../../web/serve/memory_model_source.ts";
import { ModelHolder } from "../../../web/serve/model_holder.ts";
import { onnxModelLoader } from "../../../web/serve/serving_model.ts";
import { featureVector, fixtureSnapshot, randomRows, shiftedModel } from "./_fixture_model.ts";
import { TOKEN } from "./_serve_app.ts";

// Three versions score the same row differently, so a response's probability tells which
// model computed it; it must be the model its model_version names.
const VERSIONS = ["v0", "v1", "v2"];
const MODELS = new Map(VERSIONS.map((version, i) => [version, shiftedModel(i * 0.4)]));

Deno.test("hot swap under load: no 5xx, and every answer comes from the model it names", async () => {
  const holder = new ModelHolder(onnxModelLoader());
  const released: string[] = [];
  let overlapped = 0;
  holder.listen((event) => {
    if (event.kind === "released") released.push(event.version);
    // Called at the swap itself: the replaced model still had requests in flight.
    if (event.kind === "load" && event.result.outcome === "loaded" && holder.liveModels > 1) {
      overlapped++;
    }
  });
  const source = new MemoryModelSource(fixtureSnapshot("v0", MODELS.get("v0")));
  await holder.load(source);
  const app = createServeApp({ holder, source, registry: new Registry(), reloadToken: TOKEN });
  const server = serveGracefully(app.fetch, {
    hostname: "127.0.0.1",
    port: 0,
    logger: () => {},
    exitOnSignal: false,
    cleanup: () => holder.close(),
  });
  const url = `http://127.0.0.1:${server.addr.port}`;
  const rows = randomRows(17, 64).map((row, i) => ({ ...row, transaction_id: `t${i}` }));
  const expected = (version: string, row: Record<string, unknown>) =>
    predictProbability(MODELS.get(version)!, featureVector(row));

  const statuses = new Map<number, number>();
  const seen = new Set<string>();
  let answers = 0;
  let swapping = true;
  const check = (version: string, probability: number, row: Record<string, unknown>) => {
    assert.ok(MODELS.has(version), `unknown model_version ${version}`);
    assert.ok(
      Math.abs(probability - expected(version, row)) < 1e-6,
      `an answer naming ${version} must be scored by ${version}`,
    );
    seen.add(version);
    answers++;
  };
  const client = async (id: number) => {
    let k = id;
    while (swapping) {
      k++;
      const batch = k % 5 === 0;
      const row = rows[k % rows.length];
      const response = await fetch(`${url}/v1/predict${batch ? "/batch" : ""}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(batch ? { rows } : row),
      });
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      const body = await response.json();
      if (response.status !== 200) continue;
      if (batch) {
        body.results.forEach(
          (result: { model_version: string; fraud_probability: number }, i: number) => {
            assert.equal(result.model_version, body.model_version, "one batch, one model");
            check(result.model_version, result.fraud_probability, rows[i]);
          },
        );
      } else {
        check(body.model_version, body.fraud_probability, row);
      }
    }
  };
  const clients = Array.from({ length: 24 }, (_, id) => client(id));
  const swaps = 30;
  const probe = featureVector(rows[0]);
  for (let swap = 1; swap <= swaps; swap++) {
    const version = VERSIONS[swap % VERSIONS.length];
    // Every third swap, the test itself holds a lease across it, as a slow request would.
    const held = swap % 3 === 0 ? holder.acquire() : undefined;
    source.set(fixtureSnapshot(version, MODELS.get(version)));
    if (swap % 2 === 0) {
      const response = await fetch(`${url}/v1/model/reload`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      assert.equal(response.status, 200);
      await response.body?.cancel();
    } else {
      await holder.load(source);
    }
    assert.equal(holder.version, version);
    if (held) {
      // The replaced model still scores for the request that started on it.
      const { scores, width } = await held.model.scorer.scoreRow(probe);
      const margin = scores[width - 1];
      const stillOld = Math.abs(
        1 / (1 + Math.exp(-margin)) - expected(held.model.version, rows[0]),
      );
      assert.ok(stillOld < 1e-6);
      held.release();
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  swapping = false;
  await Promise.all(clients);
  await server.stop("test over");

  assert.deepEqual([...statuses.keys()], [200], `statuses: ${JSON.stringify([...statuses])}`);
  assert.deepEqual([...seen].sort(), VERSIONS, "answers came from every version");
  assert.ok(answers > 500, `enough load: ${answers} answers`);
  assert.ok(overlapped >= swaps / 3, `${overlapped} swaps happened while the old model served`);
  assert.equal(released.length, swaps + 1, "every replaced session released, then the last one");
  assert.equal(holder.liveModels, 0);
});
