// `sluice serve` as its own process: 503 with the no-champion message until there is one; the
// champion from Postgres and from the embedded store, and `sluice models rollback` in another
// process reaching it within 2 s (measured from the move to the first answer naming the old
// version); --model serves a file; --health; a bad setting is one line and exit 2.
import assert from "node:assert/strict";
import { join } from "node:path";
import { CHAMPION, FRAUD_DETECTOR_KEY } from "../../models/model_versions.ts";
import { exportOnnx } from "../../models/onnx_export.ts";
import { FsLake } from "../../resources/lake/fs_lake.ts";
import { openMetadataStore } from "../../resources/postgres/open_metadata_store.ts";
import type { MetadataStore } from "../../runtime/store/metadata_store.ts";
import { NO_MODEL_MESSAGE } from "../../web/serve/api_error.ts";
import { onnxPathOf } from "../../web/serve/file_model_source.ts";
import { runScript } from "../support/deno_script.ts";
import { createFreshDatabase, needsPostgres } from "../support/services.ts";
import {
  commitModelVersion,
  type CommittedVersion,
  moveChampion,
} from "../web/serve/_champion_store.ts";
import { featureRow, fixtureModel, shiftedModel } from "../web/serve/_fixture_model.ts";
import { getJson, postJson, ServeProcess, startedUrl } from "./_serve_process.ts";

/** How soon a rollback in another process must reach a running serve. */
const ROLLBACK_REACHES_SERVE_MS = 2000;

const processes = { sanitizeOps: false, sanitizeResources: false };

async function withHome(fn: (home: string) => Promise<void>): Promise<void> {
  const home = await Deno.makeTempDir({ prefix: "sluice-serve-cmd-" });
  try {
    await fn(home);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

/** Runs `fn` with serve started on `env`; kills it if `fn` fails before stopping it. */
async function withServe(
  env: Record<string, string>,
  fn: (serve: ServeProcess, url: string) => Promise<void>,
  args: readonly string[] = [],
): Promise<void> {
  const serve = ServeProcess.start(env, args);
  try {
    await fn(serve, await serve.url());
  } catch (error) {
    await serve.kill();
    throw error;
  }
}

/** Two versions, the champion moved to the first and then the second: rollback goes back. */
async function seedTwoVersions(
  store: MetadataStore,
  lakeRoot: string,
): Promise<[CommittedVersion, CommittedVersion]> {
  const lake = new FsLake({ root: lakeRoot });
  const first = await commitModelVersion(store, lake, fixtureModel(), "2026-11-20");
  const second = await commitModelVersion(store, lake, shiftedModel(0.5), "2026-11-21");
  await moveChampion(store, first);
  await moveChampion(store, second);
  return [first, second];
}

/** Polls /health/ready until it names `version`; returns when (Date.now()) it first did. */
async function servingVersion(url: string, version: string, timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const response = await fetch(`${url}/health/ready`);
    const body = await response.json();
    if (body.model_version === version) return Date.now();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`serve at ${url} did not serve ${version} within ${timeoutMs} ms`);
}

/**
 * Rolls the champion back with `sluice models rollback` in its own process while serve runs;
 * returns the milliseconds from the move (its recorded time) and from the command's exit to
 * the first /health/ready naming the version rolled back to.
 */
async function rollbackReachesServe(
  env: Record<string, string>,
  url: string,
  back: CommittedVersion,
  readMove: () => Promise<Date>,
): Promise<{ fromMove: number; fromExit: number }> {
  let exitedAt = 0;
  const rollback = runScript("sluice.ts", ["models", "rollback"], env).then((result) => {
    exitedAt = Date.now();
    return result;
  });
  const seenAt = await servingVersion(url, back.label);
  const result = await rollback;
  assert.equal(result.code, 0, result.stderr);
  const movedAt = (await readMove()).getTime();
  return { fromMove: seenAt - movedAt, fromExit: Math.max(0, seenAt - exitedAt) };
}

async function lastMove(store: MetadataStore): Promise<Date> {
  const [move] = await store.aliases.history(FRAUD_DETECTOR_KEY, CHAMPION, 1);
  return move.at;
}

/** Asks `sluice serve --health` about the serve listening at `url`. */
function health(env: Record<string, string>, url: string) {
  return runScript("sluice.ts", ["serve", "--health"], { ...env, PORT: new URL(url).port });
}

Deno.test({
  name: "serve answers 503 with the no-champion message until there is a champion; SIGTERM exits 0",
  ...processes,
  fn: () =>
    withHome((home) =>
      withServe({ SLUICE_HOME: home }, async (serve, url) => {
        await serve.next("no_model");
        const ready = await getJson(url, "/health/ready");
        assert.deepEqual(ready, {
          status: 503,
          body: { status: "unavailable", model_version: null, message: NO_MODEL_MESSAGE },
        });
        const predict = await postJson(url, "/v1/predict", featureRow());
        assert.equal(predict.status, 503);
        assert.equal(predict.body.message, NO_MODEL_MESSAGE);
        const live = await getJson(url, "/health/live");
        assert.deepEqual(live, { status: 200, body: { status: "ok", model_version: null } });
        const check = await health({ SLUICE_HOME: home }, url);
        assert.equal(check.code, 1);
        assert.equal(
          check.stderr,
          `error: serve at ${url}/health/ready is not ready (503): ${NO_MODEL_MESSAGE}\n`,
        );
        const stopped = await serve.stop();
        assert.equal(stopped.code, 0);
        assert.equal(startedUrl(stopped.stdout), url);
        assert.deepEqual(serve.lines.map((line) => line.event).slice(-2), ["stopping", "stopped"]);
      })
    ),
});

Deno.test({
  name:
    "serve on Postgres serves the champion and `models rollback` in another process reaches it within 2 s",
  ...needsPostgres(),
  ...processes,
  fn: () =>
    withHome(async (home) => {
      const database = await createFreshDatabase();
      const store = await openMetadataStore({ databaseUrl: database.url });
      try {
        const [first, second] = await seedTwoVersions(store, join(home, "lake"));
        const env = { SLUICE_HOME: home, DATABASE_URL: database.url };
        await withServe(env, async (serve, url) => {
          await servingVersion(url, second.label);
          const answer = await postJson(url, "/v1/predict", featureRow());
          assert.equal(answer.status, 200);
          assert.equal(answer.body.model_version, second.label);
          const check = await health(env, url);
          assert.equal(check.code, 0, check.stderr);
          assert.equal(
            check.stdout,
            `serve at ${url}/health/ready is ready: model ${second.label}\n`,
          );

          const delay = await rollbackReachesServe(env, url, first, () => lastMove(store));
          console.error(
            `  rollback → serve on Postgres: ${delay.fromMove} ms from the move, ` +
              `${delay.fromExit} ms after the command exited`,
          );
          assert.ok(delay.fromMove < ROLLBACK_REACHES_SERVE_MS, `${delay.fromMove} ms`);
          const after = await postJson(url, "/v1/predict", featureRow());
          assert.equal(after.body.model_version, first.label);
          const loaded = await serve.next("model_loaded", (l) => l.model_version === first.label);
          assert.equal(loaded.previous_version, second.label);
          assert.equal((await serve.stop()).code, 0);
        });
      } finally {
        await store.close();
        await database.drop();
      }
    }),
});

Deno.test({
  name:
    "serve on the embedded store takes turns with `models rollback`, which reaches it within 2 s",
  ...processes,
  fn: () =>
    withHome(async (home) => {
      const dataDir = join(home, "pg");
      const seeding = await openMetadataStore({ embeddedDir: dataDir });
      const [first, second] = await seedTwoVersions(seeding, join(home, "lake")).finally(() =>
        seeding.close()
      );
      const env = { SLUICE_HOME: home };
      await withServe(env, async (serve, url) => {
        await servingVersion(url, second.label);
        const delay = await rollbackReachesServe(env, url, first, async () => {
          const store = await openMetadataStore({ embeddedDir: dataDir });
          return await lastMove(store).finally(() => store.close());
        });
        console.error(
          `  rollback → serve on the embedded store: ${delay.fromMove} ms from the move, ` +
            `${delay.fromExit} ms after the command exited`,
        );
        assert.ok(delay.fromMove < ROLLBACK_REACHES_SERVE_MS, `${delay.fromMove} ms`);
        const answer = await postJson(url, "/v1/predict", featureRow());
        assert.equal(answer.body.model_version, first.label);
        assert.equal((await serve.stop()).code, 0);
        assert.ok(!serve.lines.some((line) => line.level === "error"), JSON.stringify(serve.lines));
      });
    }),
});

Deno.test({
  name: "serve --model answers 503 until the file appears, then serves it",
  ...processes,
  fn: () =>
    withHome(async (home) => {
      const modelPath = join(home, "champion.json");
      const env = { SLUICE_HOME: home, SLUICE_SERVE_POLL_MS: "100" };
      await withServe(env, async (serve, url) => {
        await serve.next("no_model");
        assert.equal((await getJson(url, "/health/ready")).status, 503);
        const model = fixtureModel();
        await Deno.writeFile(onnxPathOf(modelPath), exportOnnx(model));
        await Deno.writeTextFile(modelPath, JSON.stringify(model));
        const loaded = await serve.next("model_loaded");
        assert.match(String(loaded.model_version), /^champion@[0-9a-f]{12}$/);
        const answer = await postJson(url, "/v1/predict", featureRow());
        assert.equal(answer.status, 200);
        assert.equal(answer.body.model_version, loaded.model_version);
        assert.equal((await serve.stop()).code, 0);
      }, ["--model", modelPath]);
    }),
});

Deno.test("a bad serve setting stops it with exit code 2 and one line naming the variable", async () => {
  const result = await runScript("sluice.ts", ["serve"], { PORT: "eighty" });
  assert.equal(result.code, 2);
  assert.equal(result.stdout, "");
  assert.equal(
    result.stderr,
    'error: Invalid configuration: PORT="eighty": expected a port number from 0 to 65535\n',
  );
});

Deno.test("serve --health says so in one line when nothing answers on the port", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const result = await runScript("sluice.ts", ["serve", "--health"], { PORT: String(port) });
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    new RegExp(`^error: serve is not answering at http://127.0.0.1:${port}/health/ready: .+\n$`),
  );
});
