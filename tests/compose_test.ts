// compose.yaml cannot run here (no Docker engine), so it is checked as data: every Sluice service
// passes the config schema with what compose gives it, points at the right servers, and the
// ports and names agree with README. The serve service's health check also runs for real,
// against serve started with compose's settings and the test Postgres and S3.
import assert from "node:assert/strict";
import { parse } from "yaml";
import { DEPLOYMENT_VARIABLES, loadConfig } from "../resources/config.ts";
import { openLake } from "../resources/lake/open_lake.ts";
import { openMetadataStore } from "../resources/postgres/open_metadata_store.ts";
import { ServeProcess } from "./cli/_serve_process.ts";
import { runScript } from "./support/deno_script.ts";
import {
  createFreshDatabase,
  needsPostgres,
  needsS3,
  requireTestVariable,
  testS3Settings,
} from "./support/services.ts";
import { commitModelVersion, moveChampion } from "./web/serve/_champion_store.ts";
import { fixtureModel } from "./web/serve/_fixture_model.ts";

const ROOT = new URL("../", import.meta.url);
const SLUICE_SERVICES = ["ingest", "daemon", "ui", "serve"];

interface Service {
  image?: string;
  command?: string | string[];
  environment?: Record<string, string | number>;
  ports?: string[];
  healthcheck?: { test: string | string[] };
  depends_on?: Record<string, { condition: string }>;
}

/** `.env.example` as a map. */
async function exampleEnv(): Promise<Record<string, string>> {
  const text = await Deno.readTextFile(new URL(".env.example", ROOT));
  return Object.fromEntries(
    text.split("\n").filter((line) => /^\w+=/.test(line)).map((line) => {
      const at = line.indexOf("=");
      return [line.slice(0, at), line.slice(at + 1)];
    }),
  );
}

/** compose.yaml with `${VAR}` filled from `.env.example` and `$$` unescaped, as compose does. */
async function composeServices(): Promise<Record<string, Service>> {
  const env = await exampleEnv();
  const text = (await Deno.readTextFile(new URL("compose.yaml", ROOT)))
    .replace(/(?<!\$)\$\{(\w+)\}/g, (_, name) => {
      assert.ok(name in env, `compose.yaml uses \${${name}}, which .env.example does not set`);
      return env[name];
    })
    .replaceAll("$$", "$");
  return parse(text, { merge: true }).services;
}

function environment(service: Service): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([k, v]) => [k, String(v)]),
  );
}

Deno.test("each Sluice service in compose.yaml sets every deployment variable and passes the config schema", async () => {
  const services = await composeServices();
  for (const name of SLUICE_SERVICES) {
    const service = services[name];
    assert.ok(service, `compose.yaml has no ${name} service`);
    assert.match(
      service.image ?? "",
      /^denoland\/deno:2\.9\.6$/,
      `${name}: the official Deno image`,
    );
    const env = environment(service);
    for (const variable of DEPLOYMENT_VARIABLES) {
      assert.ok(env[variable], `${name} does not set ${variable}`);
    }
    const config = loadConfig(env);
    assert.ok(config.databaseUrl, `${name}: no Postgres`);
    assert.ok(config.kafka, `${name}: no Kafka`);
    assert.ok(config.s3Lake, `${name}: the lake is not on S3`);
    assert.ok(service.healthcheck, `${name} has no health check`);
    for (const dependency of ["kafka", "postgres", "minio-buckets"]) {
      assert.ok(service.depends_on?.[dependency], `${name} does not wait for ${dependency}`);
    }
  }
});

Deno.test("compose.yaml's Sluice services point at its Kafka, Postgres and MinIO by name and port", async () => {
  const services = await composeServices();
  const kafka = environment(services.kafka);
  assert.match(services.kafka.image ?? "", /^apache\/kafka:/);
  assert.match(kafka.KAFKA_PROCESS_ROLES, /broker/);
  assert.match(kafka.KAFKA_PROCESS_ROLES, /controller/, "Kafka runs in KRaft mode");
  const advertised = kafka.KAFKA_ADVERTISED_LISTENERS.split(",")
    .find((l) => l.startsWith("PLAINTEXT://"))!.slice("PLAINTEXT://".length);
  const postgres = environment(services.postgres);
  assert.match(services.postgres.image ?? "", /^postgres:16/);
  const minio = environment(services.minio);
  const buckets = environment(services["minio-buckets"]);
  for (const name of SLUICE_SERVICES) {
    const config = loadConfig(environment(services[name]));
    assert.deepEqual(config.kafka!.brokers, [advertised], `${name}: KAFKA_BROKERS`);
    const db = new URL(config.databaseUrl!);
    assert.equal(`${db.hostname}:${db.port}`, "postgres:5432", `${name}: DATABASE_URL host`);
    assert.equal(db.username, postgres.POSTGRES_USER);
    assert.equal(decodeURIComponent(db.password), postgres.POSTGRES_PASSWORD);
    assert.equal(db.pathname, `/${postgres.POSTGRES_DB}`);
    assert.equal(config.s3Lake!.endpoint, "http://minio:9000", `${name}: S3_ENDPOINT`);
    assert.equal(config.s3Lake!.accessKey, minio.MINIO_ROOT_USER);
    assert.equal(config.s3Lake!.secretKey, minio.MINIO_ROOT_PASSWORD);
    assert.equal(
      config.s3Lake!.bucket,
      buckets.S3_BUCKET,
      `${name}: the bucket minio-buckets makes`,
    );
  }
});

Deno.test("the ports compose.yaml publishes are the ones README lists", async () => {
  const services = await composeServices();
  const readme = await Deno.readTextFile(new URL("README.md", ROOT));
  const section = readme.slice(readme.indexOf("## Running with Kafka, Postgres and S3"));
  assert.ok(section.length < readme.length, "README has no 'Running with Kafka, Postgres and S3'");
  // Rows like "| kafka | 29092 | ... |".
  const documented = new Map<string, string[]>();
  for (const match of section.matchAll(/^\| `?([\w-]+)`? +\| ([\d, ]+) \|/gm)) {
    documented.set(match[1], match[2].split(",").map((p) => p.trim()));
  }
  const published = new Map<string, string[]>();
  for (const [name, service] of Object.entries(services)) {
    if (service.ports) published.set(name, service.ports.map((p) => p.split(":")[0]));
  }
  assert.deepEqual(
    Object.fromEntries([...documented].sort()),
    Object.fromEntries([...published].sort()),
  );
});

Deno.test("compose's ingest service runs the ingest task, and its health check asks that task", async () => {
  const services = await composeServices();
  const tasks = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT))).tasks;
  assert.deepEqual(services.ingest.command, ["task", "ingest"]);
  assert.ok(tasks.ingest, "deno.json has no ingest task");
  assert.deepEqual(services.ingest.healthcheck?.test, [
    "CMD",
    "deno",
    "task",
    "ingest",
    "--health",
  ]);
});

Deno.test("compose's ui service serves the UI off loopback with a token, and its health check asks /healthz on its port", async () => {
  const services = await composeServices();
  const ui = services.ui;
  const config = loadConfig(environment(ui));
  assert.deepEqual(ui.command, ["task", "ui"]);
  assert.equal(config.ui.host, "0.0.0.0");
  assert.ok(config.ui.token, "off loopback the UI refuses to start without SLUICE_UI_TOKEN");
  assert.deepEqual(ui.ports, [`${config.ui.port}:${config.ui.port}`]);
  const test = ui.healthcheck!.test as string[];
  assert.deepEqual(test.slice(0, 3), ["CMD", "deno", "eval"]);
  assert.ok(test[3].includes(`fetch('http://127.0.0.1:${config.ui.port}/healthz')`), test[3]);
});

Deno.test("compose's daemon service runs the daemon task, publishes /metrics, asks the task for its health and outlasts its grace period", async () => {
  const services = await composeServices();
  const daemon = services.daemon as Service & { stop_grace_period?: string };
  const config = loadConfig(environment(daemon));
  assert.deepEqual(daemon.command, ["task", "daemon"]);
  assert.deepEqual(daemon.ports, [`${config.daemon.port}:${config.daemon.port}`]);
  assert.deepEqual(daemon.healthcheck!.test, ["CMD", "deno", "task", "daemon", "--health"]);
  // Compose kills a container stop_grace_period after SIGTERM: more than the daemon's grace.
  const stopSeconds = Number(/^(\d+)s$/.exec(daemon.stop_grace_period ?? "10s")![1]);
  assert.ok(stopSeconds * 1000 > config.daemon.shutdownGraceMs, `${stopSeconds} s`);
});

Deno.test("compose's serve service listens on all addresses on 8000, asks `serve --health` and keeps no state in the project volume", async () => {
  const services = await composeServices();
  const serve = services.serve;
  const tasks = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT))).tasks;
  const config = loadConfig(environment(serve));
  assert.deepEqual(serve.command, ["task", "serve"]);
  assert.match(tasks.serve, /sluice\.ts serve$/);
  assert.deepEqual([config.serve.host, config.serve.port], ["0.0.0.0", 8000]);
  assert.deepEqual(serve.ports, ["8000:8000"]);
  assert.deepEqual(serve.healthcheck!.test, ["CMD", "deno", "task", "serve", "--health"]);
  assert.ok(config.serve.token, "the reload route is enabled with .env's token");
  // Replicas share nothing but Postgres and S3: the lake cache stays inside each container.
  assert.ok(!config.home.startsWith("/app"), `SLUICE_HOME ${config.home} is in the project volume`);
  assert.ok(config.s3Lake, "the model files come from the S3 lake");
});

Deno.test({
  name:
    "compose's serve settings with the test Postgres and S3: its health check fails before a champion and passes once one is promoted",
  ...needsPostgres(),
  ...needsS3(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const services = await composeServices();
    const home = await Deno.makeTempDir({ prefix: "sluice-compose-serve-" });
    const database = await createFreshDatabase();
    const s3 = testS3Settings();
    // Compose's environment, its servers swapped for the test services and PORT for a free one.
    const env: Record<string, string> = {
      ...environment(services.serve),
      DATABASE_URL: database.url,
      SLUICE_LAKE: `s3://${requireTestVariable("SLUICE_TEST_S3_BUCKET")}/compose-serve-${
        crypto.randomUUID().slice(0, 8)
      }`,
      S3_ENDPOINT: s3.endpoint,
      S3_ACCESS_KEY_ID: s3.accessKey,
      S3_SECRET_ACCESS_KEY: s3.secretKey,
      SLUICE_HOME: home,
      PORT: "0",
    };
    delete env.KAFKA_BROKERS;
    const store = await openMetadataStore({ databaseUrl: database.url });
    const lake = await openLake(loadConfig(env));
    const written: string[] = [];
    const serve = ServeProcess.start(env);
    try {
      const url = await serve.url();
      const healthCheck = () => {
        const [, , ...args] = services.serve.healthcheck!.test as string[];
        assert.deepEqual(args, ["task", "serve", "--health"]);
        // `deno task serve` is `sluice.ts serve`; the check runs on the port serve took.
        return runScript("sluice.ts", ["serve", "--health"], { ...env, PORT: new URL(url).port });
      };
      await serve.next("no_model");
      const before = await healthCheck();
      assert.equal(before.code, 1, "unhealthy until there is a champion");
      const version = await commitModelVersion(store, lake, fixtureModel(), "2026-11-20");
      written.push(version.location);
      await moveChampion(store, version);
      await serve.next("model_loaded", (line) => line.model_version === version.label);
      const after = await healthCheck();
      assert.equal(after.code, 0, after.stderr);
      assert.match(after.stdout, new RegExp(`is ready: model ${version.label}\n$`));
      assert.equal((await serve.stop()).code, 0);
    } catch (error) {
      await serve.kill();
      throw error;
    } finally {
      for (const location of written) await lake.remove(location);
      await store.close();
      await database.drop();
      await Deno.remove(home, { recursive: true });
    }
  },
});
