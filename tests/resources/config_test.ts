import assert from "node:assert/strict";
import { loadConfig } from "../../resources/config.ts";
import { ConfigError } from "../../runtime/errors.ts";

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error;
  }
  assert.fail(`expected a ConfigError for ${JSON.stringify(env)}`);
}

Deno.test("an s3:// lake is parsed into bucket, prefix, endpoint and credentials, staged under the home", () => {
  const config = loadConfig({
    SLUICE_HOME: "/srv/sluice",
    SLUICE_LAKE: "s3://fraud-lake/prod/v1/",
    S3_ENDPOINT: "http://127.0.0.1:9000",
    S3_ACCESS_KEY_ID: "AKIA123",
    S3_SECRET_ACCESS_KEY: "s3cret",
  });
  assert.deepEqual(config.s3Lake, {
    bucket: "fraud-lake",
    prefix: "prod/v1",
    endpoint: "http://127.0.0.1:9000",
    region: "us-east-1",
    accessKey: "AKIA123",
    secretKey: "s3cret",
  });
  assert.equal(config.lakeRoot, "/srv/sluice/lake-cache");
  assert.equal(loadConfig({ SLUICE_LAKE: "/data/lake" }).s3Lake, undefined);
});

Deno.test("an s3:// lake without credentials names the missing variable", () => {
  const error = configError({ SLUICE_LAKE: "s3://lake", S3_ACCESS_KEY_ID: "AKIA123" });
  assert.equal(error.variable, "S3_SECRET_ACCESS_KEY");
  assert.match(error.message, /S3_SECRET_ACCESS_KEY: required when SLUICE_LAKE is an s3:\/\/ lake/);
});

Deno.test("credentials are named, never echoed, in a configuration error", () => {
  const error = configError({
    SLUICE_LAKE: "s3://lake",
    S3_SECRET_ACCESS_KEY: "very-secret-value",
  });
  assert.equal(error.variable, "S3_ACCESS_KEY_ID");
  assert.doesNotMatch(error.message, /very-secret-value|S3_ACCESS_KEY_ID=/);
  // Other values are shown, so the user sees what was wrong.
  assert.match(configError({ S3_ENDPOINT: "not a url" }).message, /S3_ENDPOINT="not a url"/);
});

Deno.test("KAFKA_BROKERS is a host:port list; a wrong one is named", () => {
  const config = loadConfig({ KAFKA_BROKERS: "kafka-1:9092,kafka-2:9092" });
  assert.deepEqual(config.kafka, {
    brokers: ["kafka-1:9092", "kafka-2:9092"],
    clientId: "sluice",
    topicPrefix: "",
    retentionHours: 168,
  });
  assert.equal(loadConfig({}).kafka, undefined);
  const error = configError({ KAFKA_BROKERS: "kafka-1" });
  assert.equal(error.variable, "KAFKA_BROKERS");
  assert.match(error.message, /expected host:port/);
});

Deno.test("an unknown lake scheme is refused with what is accepted", () => {
  const error = configError({ SLUICE_LAKE: "gs://bucket/lake" });
  assert.match(error.message, /SLUICE_LAKE="gs:\/\/bucket\/lake": expected a local directory/);
});

Deno.test("PORT is shared by ui and serve, each with its own default when it is unset", () => {
  const defaults = loadConfig({});
  assert.equal(defaults.ui.port, 3000);
  assert.equal(defaults.serve.port, 8000);
  assert.equal(defaults.serve.host, "127.0.0.1");
  const set = loadConfig({ HOST: "0.0.0.0", PORT: "9100" });
  assert.deepEqual([set.ui.host, set.ui.port, set.serve.host, set.serve.port], [
    "0.0.0.0",
    9100,
    "0.0.0.0",
    9100,
  ]);
});

Deno.test("serve's settings default to no reload token, one onnxruntime thread and a 1 s poll", () => {
  assert.deepEqual(loadConfig({}).serve, {
    host: "127.0.0.1",
    port: 8000,
    token: undefined,
    threads: 1,
    batchWorkers: 0,
    pollMs: 1000,
  });
  const config = loadConfig({
    SLUICE_SERVE_TOKEN: "abcdefghijklmnop",
    SLUICE_SERVE_THREADS: "2",
    SLUICE_SERVE_POLL_MS: "250",
  });
  assert.deepEqual(
    [config.serve.token, config.serve.threads, config.serve.pollMs],
    ["abcdefghijklmnop", 2, 250],
  );
});

Deno.test("SLUICE_DUCKDB_MEMORY_LIMIT and SLUICE_DUCKDB_THREADS set each DuckDB database; unset, none", () => {
  assert.deepEqual(loadConfig({}).duckdb, { memoryLimit: undefined, threads: undefined });
  assert.deepEqual(
    loadConfig({ SLUICE_DUCKDB_MEMORY_LIMIT: "1.5GiB", SLUICE_DUCKDB_THREADS: "2" }).duckdb,
    { memoryLimit: "1.5GiB", threads: 2 },
  );
  const error = configError({ SLUICE_DUCKDB_THREADS: "300" });
  assert.equal(
    error.message,
    'Invalid configuration: SLUICE_DUCKDB_THREADS="300": expected a whole number of threads, 1 to 256',
  );
});

Deno.test("a bad serve setting names its variable, and the reload token is never echoed", () => {
  const token = configError({ SLUICE_SERVE_TOKEN: "short secret" });
  assert.equal(token.variable, "SLUICE_SERVE_TOKEN");
  assert.doesNotMatch(token.message, /short secret/);
  assert.equal(
    configError({ SLUICE_SERVE_THREADS: "0" }).message,
    'Invalid configuration: SLUICE_SERVE_THREADS="0": expected a whole number of threads, 1 to 64',
  );
  assert.equal(
    configError({ SLUICE_SERVE_POLL_MS: "50" }).message,
    'Invalid configuration: SLUICE_SERVE_POLL_MS="50": expected a whole number of milliseconds, 100 to 3600000',
  );
});

Deno.test("SLUICE_NOW is an ISO-8601 instant where the clock starts; unset, there is none", () => {
  assert.equal(loadConfig({}).startAt, undefined);
  assert.equal(
    loadConfig({ SLUICE_NOW: "2026-11-30T12:00:00Z" }).startAt?.toISOString(),
    "2026-11-30T12:00:00.000Z",
  );
  assert.equal(
    loadConfig({ SLUICE_NOW: "2026-11-30T12:00:00.250+02:00" }).startAt?.toISOString(),
    "2026-11-30T10:00:00.250Z",
  );
});

Deno.test("a SLUICE_NOW that is not an instant (no time, no zone, no such day) is named", () => {
  const expected = "expected an ISO-8601 instant such as 2026-11-30T12:00:00Z " +
    "(date, time and Z or an offset)";
  for (const value of ["2026-11-30", "2026-11-30T12:00:00", "2026-02-30T12:00:00Z", "yesterday"]) {
    const error = configError({ SLUICE_NOW: value });
    assert.equal(error.variable, "SLUICE_NOW");
    assert.equal(
      error.message,
      `Invalid configuration: SLUICE_NOW=${JSON.stringify(value)}: ${expected}`,
    );
  }
});
