import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { createServeApp, type ServeLogEvent } from "../../../web/serve/app.ts";
import { serveGracefully } from "../../../web/serve/graceful_server.ts";
import { MemoryModelSource } from "../../../web/serve/memory_model_source.ts";
import { ModelHolder } from "../../../web/serve/model_holder.ts";
import { onnxModelLoader } from "../../../web/serve/serving_model.ts";
import { featureRow, fixtureSnapshot } from "./_fixture_model.ts";

/** A served app whose scorer waits at a gate the test opens, to hold requests in flight. */
async function gatedServer() {
  let open: () => void = () => {};
  let gate = Promise.resolve();
  let arrived: () => void = () => {};
  const reached = new Promise<void>((resolve) => (arrived = resolve));
  const load = onnxModelLoader();
  const holder = new ModelHolder(async (snapshot) => {
    const model = await load(snapshot);
    const scorer = model.scorer;
    return {
      ...model,
      scorer: {
        features: scorer.features,
        scoreRow: async (values) => {
          const copy = values.slice();
          arrived();
          await gate;
          return scorer.scoreRow(copy);
        },
        scoreRows: (input, rows) => scorer.scoreRows(input, rows),
        release: () => scorer.release(),
      },
    };
  });
  const source = new MemoryModelSource(fixtureSnapshot("v1"));
  await holder.load(source);
  const logs: ServeLogEvent[] = [];
  const app = createServeApp({ holder, source, registry: new Registry() });
  const server = serveGracefully(app.fetch, {
    hostname: "127.0.0.1",
    port: 0,
    logger: (event) => logs.push(event),
    exitOnSignal: false,
    cleanup: () => holder.close(),
  });
  return {
    server,
    logs,
    url: `http://127.0.0.1:${server.addr.port}`,
    hold: () => (gate = new Promise<void>((resolve) => (open = resolve))),
    release: () => open(),
    reached,
  };
}

const predict = (url: string, body: unknown = featureRow()) =>
  fetch(`${url}/v1/predict`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

Deno.test("serve answers over a real socket on a free port", async () => {
  const { server, url, logs } = await gatedServer();
  const response = await predict(url, featureRow({ transaction_id: "sock-1" }));
  assert.equal(response.status, 200);
  const body = await response.json();
  assert.equal(body.transaction_id, "sock-1");
  assert.equal(body.model_version, "v1");
  const batch = await fetch(`${url}/v1/predict/batch`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ rows: [featureRow(), featureRow()] }),
  });
  assert.equal((await batch.json()).scored, 2);
  const chunked = await fetch(`${url}/v1/predict`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: ReadableStream.from([new TextEncoder().encode(JSON.stringify(featureRow()))]),
  });
  assert.equal(chunked.status, 200, "a body without Content-Length is read too");
  await server.stop("test over");
  assert.deepEqual(logs.map((log) => log.event), ["listening", "stopping", "stopped"]);
  assert.equal(logs[0].port, server.addr.port);
});

Deno.test("stop() refuses new connections but finishes the requests in flight", async () => {
  const { server, url, hold, release, reached } = await gatedServer();
  hold();
  const inFlight = predict(url);
  await reached;
  const stopping = server.stop("test");
  await assert.rejects(() => predict(url), "a new connection is refused once stopping");
  let stopped = false;
  stopping.then(() => (stopped = true));
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(stopped, false, "stop waits for the request in flight");
  release();
  const response = await inFlight;
  assert.equal(response.status, 200);
  assert.equal((await response.json()).model_version, "v1");
  await stopping;
  await server.finished;
});
