import assert from "node:assert/strict";
import { predictProbability } from "../../../models/tree_predict.ts";
import { MAX_BATCH_ROWS } from "../../../web/serve/api_schemas.ts";
import { NO_MODEL_MESSAGE } from "../../../web/serve/api_error.ts";
import { featureRow, featureVector, fixtureModel, fixtureSnapshot } from "./_fixture_model.ts";
import { serveFixture, TOKEN } from "./_serve_app.ts";

const model = fixtureModel();
const probability = (row: Record<string, unknown>) => predictProbability(model, featureVector(row));

Deno.test("POST /v1/predict scores a row with reasons, decision and risk level", async () => {
  const serve = await serveFixture();
  const row = featureRow({ velocity_1h: 5, transaction_id: "order-17" });
  const response = await serve.post("/v1/predict", row);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "application/json");
  const body = await response.json();
  assert.ok(Math.abs(body.fraud_probability - probability(row)) < 1e-6);
  assert.deepEqual({ ...body, fraud_probability: 0 }, {
    transaction_id: "order-17",
    fraud_probability: 0,
    is_fraud: false,
    risk_level: "medium",
    reasons: [
      { feature: "velocity_1h", value: 5, contribution: 1 },
      { feature: "account_age_days", value: 400, contribution: -0.15 },
      { feature: "vpn_detected", value: 0, contribution: -0.15 },
    ],
    model_version: "v1",
    latency_ms: 0.5,
  });
  assert.deepEqual(serve.runs, [1]);
  await serve.close();
});

Deno.test("POST /v1/predict flags fraud at the model's threshold and omits an absent id", async () => {
  const serve = await serveFixture();
  const row = featureRow({ velocity_1h: 5, vpn_detected: 1 });
  const body = await (await serve.post("/v1/predict", row)).json();
  assert.equal(body.is_fraud, true);
  assert.equal(body.risk_level, "high");
  assert.equal("transaction_id" in body, false);
  assert.ok(body.fraud_probability >= 0.3);
  const quiet = await (await serve.post("/v1/predict", featureRow())).json();
  assert.equal(quiet.risk_level, "low");
  await serve.close();
});

Deno.test("POST /v1/predict answers 422 with one error per bad field", async () => {
  const serve = await serveFixture();
  const row: Record<string, unknown> = featureRow({
    velocity_24h: "3",
    vpn_detected: 5,
    amount_usd: -2,
    extra: { nested: [1, 2] },
  });
  delete row.is_weekend;
  const response = await serve.post("/v1/predict", row);
  assert.equal(response.status, 422);
  assert.deepEqual(await response.json(), {
    error: "invalid_request",
    message: "The request's features do not match the contract",
    detail: [
      {
        field: "velocity_24h",
        code: "wrong_type",
        message: "'velocity_24h' must be an integer >= 0: received string",
        received: "3",
      },
      {
        field: "amount_usd",
        code: "out_of_range",
        message: "'amount_usd' must be a number >= 0: received -2",
        received: -2,
      },
      {
        field: "vpn_detected",
        code: "out_of_range",
        message: "'vpn_detected' must be 0 or 1: received 5",
        received: 5,
      },
      {
        field: "is_weekend",
        code: "missing",
        message: "Missing 'is_weekend': send 0 or 1",
      },
      {
        field: "extra",
        code: "unknown_field",
        message:
          "Unknown field 'extra': a row takes the 25 contract features and optionally 'transaction_id' (see /openapi.json)",
      },
    ],
  });
  assert.deepEqual(serve.runs, [], "an invalid request never reaches onnxruntime");
  await serve.close();
});

Deno.test("POST /v1/predict answers 4xx for every kind of malformed body", async () => {
  const serve = await serveFixture();
  const valid = JSON.stringify(featureRow());
  const cases: [string, string, Record<string, string>, number, string][] = [
    [
      "huge number",
      valid.replace('"amount_usd":42.5', '"amount_usd":1e999'),
      {},
      422,
      "invalid_request",
    ],
    [
      "float32 overflow",
      valid.replace('"amount_usd":42.5', '"amount_usd":1e300'),
      {},
      422,
      "invalid_request",
    ],
    ["repeated key", valid.replace("{", '{"velocity_1h":9,'), {}, 422, "invalid_request"],
    ["array body", `[${valid}]`, {}, 422, "invalid_request"],
    ["null body", "null", {}, 422, "invalid_request"],
    ["__proto__ key", valid.replace("{", '{"__proto__":{"x":1},'), {}, 422, "invalid_request"],
    ["truncated JSON", valid.slice(0, -3), {}, 400, "invalid_json"],
    ["empty body", "", {}, 400, "invalid_json"],
    ["text/plain", valid, { "content-type": "text/plain" }, 415, "unsupported_media_type"],
    [
      "form",
      "a=1",
      { "content-type": "application/x-www-form-urlencoded" },
      415,
      "unsupported_media_type",
    ],
    ["too large", valid + " ".repeat(70_000), {}, 413, "payload_too_large"],
  ];
  for (const [name, body, headers, status, error] of cases) {
    const response = await serve.post("/v1/predict", body, headers);
    assert.equal(response.status, status, name);
    const answer = await response.json();
    assert.equal(answer.error, error, name);
    assert.ok(answer.message.length > 0, name);
  }
  const infinite = await (await serve.post(
    "/v1/predict",
    valid.replace('"amount_usd":42.5', '"amount_usd":1e999'),
  )).json();
  assert.deepEqual(infinite.detail, [{
    field: "amount_usd",
    code: "not_finite",
    message: "'amount_usd' must be a finite number, a number >= 0: received Infinity",
    received: "Infinity",
  }]);
  const repeated = await (await serve.post("/v1/predict", valid.replace("{", '{"velocity_1h":9,')))
    .json();
  assert.deepEqual(repeated.detail, [{
    field: "velocity_1h",
    code: "duplicate_field",
    message: "'velocity_1h' appears more than once in one object: send each field once",
  }]);
  const proto = await (await serve.post(
    "/v1/predict",
    valid.replace("{", '{"__proto__":{"x":1},'),
  )).json();
  assert.equal(proto.detail[0].field, "__proto__");
  assert.equal(proto.detail[0].code, "unknown_field");
  await serve.close();
});

Deno.test("POST /v1/predict/batch scores valid rows in one call and returns errors in place", async () => {
  const serve = await serveFixture();
  const rows = [
    featureRow({ transaction_id: "a" }),
    featureRow({ vpn_detected: 3, transaction_id: "b" }),
    featureRow({ velocity_1h: 5, vpn_detected: 1 }),
    "not a row",
  ];
  const response = await serve.post("/v1/predict/batch", { rows });
  assert.equal(response.status, 200);
  const body = await response.json();
  assert.deepEqual(serve.runs, [2], "one onnxruntime call for the two valid rows");
  assert.equal(body.model_version, "v1");
  assert.equal(body.scored, 2);
  assert.equal(body.rejected, 2);
  assert.equal(body.results.length, 4);
  assert.deepEqual(body.results.map((result: { index: number }) => result.index), [0, 1, 2, 3]);
  const single = await (await serve.post("/v1/predict", rows[0])).json();
  assert.deepEqual(
    { ...body.results[0], latency_ms: 0 },
    { index: 0, ...single, latency_ms: 0 },
    "a batch row has the single prediction's shape and values",
  );
  assert.equal(body.results[2].is_fraud, true);
  assert.ok(Math.abs(body.results[2].fraud_probability - probability(rows[2] as never)) < 1e-6);
  assert.deepEqual(body.results[1], {
    index: 1,
    errors: [{
      field: "vpn_detected",
      code: "out_of_range",
      message: "'vpn_detected' must be 0 or 1: received 3",
      received: 3,
    }],
  });
  assert.equal(body.results[3].errors[0].code, "wrong_type");
  await serve.close();
});

Deno.test("POST /v1/predict/batch rejects a row with a repeated key and keeps the others", async () => {
  const serve = await serveFixture();
  const row = JSON.stringify(featureRow());
  const text = `{"rows":[${row},${row.replace("{", '{"hour_of_day":3,')}]}`;
  const body = await (await serve.post("/v1/predict/batch", text)).json();
  assert.equal(body.scored, 1);
  assert.deepEqual(body.results[1], {
    index: 1,
    errors: [{
      field: "hour_of_day",
      code: "duplicate_field",
      message: "'hour_of_day' appears more than once in one object: send each field once",
    }],
  });
  const top = await serve.post("/v1/predict/batch", `{"rows":[${row}],"rows":[${row}]}`);
  assert.equal(top.status, 422);
  assert.equal((await top.json()).detail[0].field, "rows");
  await serve.close();
});

Deno.test("POST /v1/predict/batch checks the envelope: 413 past 10,000 rows, 422 otherwise", async () => {
  const serve = await serveFixture();
  const tooMany = await serve.post("/v1/predict/batch", {
    rows: Array.from({ length: MAX_BATCH_ROWS + 1 }, () => ({})),
  });
  assert.equal(tooMany.status, 413);
  assert.deepEqual(await tooMany.json(), {
    error: "payload_too_large",
    message:
      "Cannot score the batch as it must have at most 10000 rows: current count is 10001; split it",
    detail: [],
  });
  const cases: [unknown, string, string][] = [
    [{ rows: [] }, "rows", "out_of_range"],
    [{ rows: {} }, "rows", "wrong_type"],
    [{}, "rows", "missing"],
    [{ rows: [featureRow()], more: 1 }, "more", "unknown_field"],
    [[featureRow()], "", "wrong_type"],
  ];
  for (const [body, field, code] of cases) {
    const response = await serve.post("/v1/predict/batch", body);
    assert.equal(response.status, 422, JSON.stringify(body));
    const answer = await response.json();
    assert.equal(answer.error, "invalid_request");
    assert.deepEqual(answer.detail.map((d: { field: string; code: string }) => [d.field, d.code]), [
      [field, code],
    ]);
  }
  await serve.close();
});

Deno.test("the predict routes and readiness answer 503 until a model is loaded", async () => {
  const serve = await serveFixture({ loaded: false });
  for (const path of ["/v1/predict", "/v1/predict/batch"]) {
    const response = await serve.post(path, featureRow());
    assert.equal(response.status, 503);
    assert.deepEqual(await response.json(), {
      error: "model_unavailable",
      message: NO_MODEL_MESSAGE,
      detail: [],
    });
  }
  const ready = await serve.app.request("/health/ready");
  assert.equal(ready.status, 503);
  assert.deepEqual(await ready.json(), {
    status: "unavailable",
    model_version: null,
    message: "no champion model yet: run `deno task materialize models.fraud_detector`",
  });
  const live = await serve.app.request("/health/live");
  assert.equal(live.status, 200);
  await serve.holder.load(serve.source);
  const after = await serve.app.request("/health/ready");
  assert.equal(after.status, 200);
  assert.deepEqual(await after.json(), { status: "ok", model_version: "v1" });
  await serve.close();
});

Deno.test("POST /v1/model/reload is disabled without a token and needs the right one", async () => {
  const off = await serveFixture();
  const disabled = await off.post("/v1/model/reload", "", { authorization: `Bearer ${TOKEN}` });
  assert.equal(disabled.status, 403);
  assert.equal((await disabled.json()).message, "reload disabled: set SLUICE_SERVE_TOKEN");
  await off.close();
  const serve = await serveFixture({ token: TOKEN });
  for (
    const authorization of [undefined, "Bearer wrong-token-0123456789", TOKEN, `Basic ${TOKEN}`]
  ) {
    const response = await serve.post(
      "/v1/model/reload",
      "",
      authorization ? { authorization } : {},
    );
    assert.equal(response.status, 401, String(authorization));
    assert.equal(response.headers.get("www-authenticate"), 'Bearer realm="sluice-serve"');
    assert.equal((await response.json()).error, "unauthorized");
  }
  await serve.close();
});

Deno.test("POST /v1/model/reload swaps in the source's model, or says why it could not", async () => {
  const serve = await serveFixture({ token: TOKEN });
  const auth = { authorization: `Bearer ${TOKEN}` };
  serve.source.set(fixtureSnapshot("v2"));
  const reloaded = await serve.post("/v1/model/reload", "", auth);
  assert.equal(reloaded.status, 200);
  const body = await reloaded.json();
  assert.deepEqual({ ...body, load_ms: 0 }, {
    outcome: "loaded",
    model_version: "v2",
    previous_version: "v1",
    load_ms: 0,
  });
  const scored = await (await serve.post("/v1/predict", featureRow())).json();
  assert.equal(scored.model_version, "v2");
  serve.source.set({ ...fixtureSnapshot("v3"), onnx: new Uint8Array([1, 2, 3]) });
  const failed = await serve.post("/v1/model/reload", "", auth);
  assert.equal(failed.status, 500);
  const failure = await failed.json();
  assert.equal(failure.error, "reload_failed");
  assert.match(failure.message, /^Cannot reload the model: Cannot open the exported ONNX/);
  assert.match(failure.message, /still serving v2$/);
  assert.equal(serve.holder.version, "v2");
  serve.source.set(undefined);
  const empty = await serve.post("/v1/model/reload", "", auth);
  assert.equal(empty.status, 503);
  assert.equal(serve.logs.filter((log) => log.event === "reload_failed").length, 1);
  await serve.close();
});

Deno.test("GET /metrics exposes requests, latency, batch sizes, scores, model info and reloads", async () => {
  const serve = await serveFixture({ token: TOKEN });
  await serve.post("/v1/predict", featureRow());
  await serve.post("/v1/predict", { velocity_1h: 1 });
  await serve.post("/v1/predict/batch", { rows: [featureRow(), featureRow(), {}] });
  await serve.post("/v1/model/reload", "", { authorization: `Bearer ${TOKEN}` });
  await serve.app.request("/no/such/path");
  const response = await serve.app.request("/metrics");
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type")!, /^text\/plain/);
  const text = await response.text();
  for (
    const line of [
      'sluice_serve_requests_total{route="/v1/predict",status="200"} 1',
      'sluice_serve_requests_total{route="/v1/predict",status="422"} 1',
      'sluice_serve_requests_total{route="/v1/predict/batch",status="200"} 1',
      'sluice_serve_requests_total{route="other",status="404"} 1',
      'sluice_serve_request_duration_seconds_count{route="/v1/predict"} 2',
      "sluice_serve_batch_rows_sum 3",
      'sluice_serve_rows_total{outcome="scored"} 3',
      'sluice_serve_rows_total{outcome="rejected"} 2',
      "sluice_serve_fraud_probability_count 3",
      'sluice_serve_model_info{version="v1",threshold="0.3"} 1',
      'sluice_serve_model_reloads_total{outcome="loaded"} 2',
    ]
  ) {
    assert.ok(text.includes(line), `metrics should include ${line}\n${text}`);
  }
  await serve.close();
});

Deno.test("GET /openapi.json documents the validated schemas and the risk cut-offs", async () => {
  const serve = await serveFixture();
  const response = await serve.app.request("/openapi.json");
  assert.equal(response.status, 200);
  const document = await response.json();
  assert.equal(document.openapi, "3.1.0");
  const request = document.components.schemas.PredictRequest;
  assert.equal(request.additionalProperties, false);
  assert.equal(request.required.length, 25);
  assert.equal(Object.keys(request.properties).length, 26);
  assert.deepEqual(request.properties.velocity_1h, {
    type: "integer",
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    description: "Orders the user placed in the hour before this one.",
  });
  assert.deepEqual(document.components.schemas.RiskLevel.enum, ["low", "medium", "high"]);
  assert.match(document.info.description, /`medium` when t\/2 <= fraud_probability < t/);
  assert.deepEqual(Object.keys(document.paths).sort(), [
    "/health/live",
    "/health/ready",
    "/metrics",
    "/v1/model/reload",
    "/v1/predict",
    "/v1/predict/batch",
  ]);
  assert.deepEqual(
    document.paths["/v1/predict"].post.requestBody.content["application/json"].schema,
    { $ref: "#/components/schemas/PredictRequest" },
  );
  await serve.close();
});

Deno.test("GET /docs serves Swagger UI from this host only", async () => {
  const serve = await serveFixture();
  const page = await serve.app.request("/docs");
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.ok(html.includes('<script src="/docs/assets/swagger-ui-bundle.js"></script>'));
  assert.equal(/(src|href)="https?:/.test(html), false, "no CDN reference");
  const bundle = await serve.app.request("/docs/assets/swagger-ui-bundle.js");
  assert.equal(bundle.status, 200);
  assert.equal(bundle.headers.get("content-type"), "text/javascript; charset=utf-8");
  assert.ok((await bundle.text()).includes("SwaggerUIBundle"));
  const init = await (await serve.app.request("/docs/assets/init.js")).text();
  assert.ok(init.includes('url: "/openapi.json"'));
  for (const name of ["package.json", "constructor", "..%2Fpackage.json"]) {
    assert.equal((await serve.app.request(`/docs/assets/${name}`)).status, 404, name);
  }
  await serve.close();
});

Deno.test("unknown paths answer 404 and wrong methods 405, in the error shape", async () => {
  const serve = await serveFixture();
  const missing = await serve.app.request("/v2/predict");
  assert.equal(missing.status, 404);
  assert.deepEqual(await missing.json(), {
    error: "not_found",
    message: "No route GET /v2/predict",
    detail: [],
  });
  const wrong = await serve.app.request("/v1/predict");
  assert.equal(wrong.status, 405);
  assert.equal((await wrong.json()).error, "method_not_allowed");
  await serve.close();
});
