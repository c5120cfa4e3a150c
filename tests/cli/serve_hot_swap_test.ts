// Hot swap under load with the real model source: requests flow over a socket while the
// champion moves back and forth (promotion and rollback through models/promotion.ts on Postgres;
// `sluice models` in other processes on the embedded store). Nothing answers 5xx, and every
// answer names the old or the new version and was scored by the model it names.
import assert from "node:assert/strict";
import { join } from "node:path";
import { Registry } from "prom-client";
import { promoteModel, rollbackModel } from "../../models/promotion.ts";
import { predictProbability } from "../../models/tree_predict.ts";
import type { TreeModel } from "../../models/tree_model.ts";
import { loadConfig } from "../../resources/config.ts";
import { FsLake } from "../../resources/lake/fs_lake.ts";
import { openMetadataStore } from "../../resources/postgres/open_metadata_store.ts";
import { createServeApp } from "../../web/serve/app.ts";
import { serveGracefully } from "../../web/serve/graceful_server.ts";
import { ModelHolder } from "../../web/serve/model_holder.ts";
import { onnxModelLoader } from "../../web/serve/serving_model.ts";
import { openServeModelSource } from "../../cli/serve_model_source.ts";
import { runScript } from "../support/deno_script.ts";
import { createFreshDatabase, needsPostgres } from "../support/services.ts";
import { commitModelVersion, moveChampion } from "../web/serve/_champion_store.ts";
import {
  featureVector,
  fixtureModel,
  randomRows,
  shiftedModel,
} from "../web/serve/_fixture_model.ts";
import { ServeProcess } from "./_serve_process.ts";

const MODELS: readonly TreeModel[] = [fixtureModel(), shiftedModel(0.5)];
const DAYS = ["2026-11-20", "2026-11-21"];
const ROWS = randomRows(29, 48).map((row, i) => ({ ...row, transaction_id: `t${i}` }));

/** Load on `url` until `stop()`: single and batch requests from 16 clients, every answer kept. */
function loadOn(url: string) {
  const statuses = new Map<number, number>();
  const answers: { version: string; probability: number; row: Record<string, unknown> }[] = [];
  let running = true;
  const client = async (id: number) => {
    for (let k = id; running; k++) {
      const batch = k % 7 === 0;
      const row = ROWS[k % ROWS.length];
      const response = await fetch(`${url}/v1/predict${batch ? "/batch" : ""}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(batch ? { rows: ROWS } : row),
      });
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      const body = await response.json();
      if (response.status !== 200) continue;
      if (batch) {
        body.results.forEach(
          (result: { model_version: string; fraud_probability: number }, i: number) => {
            assert.equal(result.model_version, body.model_version, "one batch, one model");
            answers.push({
              version: result.model_version,
              probability: result.fraud_probability,
              row: ROWS[i],
            });
          },
        );
      } else {
        answers.push({ version: body.model_version, probability: body.fraud_probability, row });
      }
    }
  };
  const clients = Array.from({ length: 16 }, (_, id) => client(id));
  return {
    statuses,
    answers,
    async stop() {
      running = false;
      await Promise.all(clients);
    },
  };
}

/** Every answer names one of `labels` and was scored by that version's model. */
function assertScoredByNamedModel(
  answers: readonly { version: string; probability: number; row: Record<string, unknown> }[],
  labels: readonly string[],
): void {
  for (const answer of answers) {
    const at = labels.indexOf(answer.version);
    assert.ok(at >= 0, `model_version ${answer.version} is neither ${labels.join(" nor ")}`);
    const expected = predictProbability(MODELS[at], featureVector(answer.row));
    assert.ok(
      Math.abs(answer.probability - expected) < 1e-6,
      `an answer naming ${answer.version} was scored by it`,
    );
  }
  assert.deepEqual(new Set(answers.map((answer) => answer.version)), new Set(labels));
}

Deno.test({
  name:
    "on Postgres, promotions and rollbacks while requests flow: no 5xx, each answer from the version it names",
  ...needsPostgres(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const home = await Deno.makeTempDir({ prefix: "sluice-serve-swap-" });
    const database = await createFreshDatabase();
    const store = await openMetadataStore({ databaseUrl: database.url });
    try {
      const lake = new FsLake({ root: join(home, "lake") });
      const versions = [];
      for (const [i, model] of MODELS.entries()) {
        versions.push(await commitModelVersion(store, lake, model, DAYS[i]));
      }
      const labels = versions.map((version) => version.label);
      await moveChampion(store, versions[0]);
      const config = loadConfig({ SLUICE_HOME: home, DATABASE_URL: database.url });
      const opened = await openServeModelSource(config);
      const holder = new ModelHolder(onnxModelLoader());
      const following = holder.follow(opened.source);
      await following.ready;
      assert.equal(holder.version, labels[0]);
      const app = createServeApp({ holder, source: opened.source, registry: new Registry() });
      const server = serveGracefully(app.fetch, {
        hostname: "127.0.0.1",
        port: 0,
        logger: () => {},
        exitOnSignal: false,
        cleanup: async () => {
          following.stop();
          await holder.close();
        },
      });
      const load = loadOn(`http://127.0.0.1:${server.addr.port}`);
      const swapped = (label: string) =>
        new Promise<void>((resolve) => {
          const stop = holder.listen((event) => {
            if (event.kind === "load" && holder.version === label) {
              stop();
              resolve();
            }
          });
        });
      const who = () => ({ movedBy: "test@serve-swap", at: new Date() });
      try {
        const moves = 16;
        for (let move = 1; move <= moves; move++) {
          const to = move % 2;
          const done = swapped(labels[to]);
          if (to === 1) await promoteModel(store, labels[1], who());
          else await rollbackModel(store, who());
          await done;
          // Let some requests land on each version before the next move.
          const served = load.answers.length;
          while (load.answers.length < served + 20) {
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
        }
      } finally {
        await load.stop();
        await server.stop("test over");
        await opened.close();
      }
      assert.deepEqual([...load.statuses.keys()], [200], JSON.stringify([...load.statuses]));
      assertScoredByNamedModel(load.answers, labels);
      assert.ok(load.answers.length > 320, `${load.answers.length} answers`);
      assert.equal(holder.liveModels, 0, "every replaced model released");
    } finally {
      await store.close();
      await database.drop();
      await Deno.remove(home, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "on the embedded store, `sluice models` promoting and rolling back in other processes while requests flow: no 5xx",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const home = await Deno.makeTempDir({ prefix: "sluice-serve-swap-pg-" });
    const seeding = await openMetadataStore({ embeddedDir: join(home, "pg") });
    const versions = [];
    try {
      const lake = new FsLake({ root: join(home, "lake") });
      for (const [i, model] of MODELS.entries()) {
        versions.push(await commitModelVersion(seeding, lake, model, DAYS[i]));
      }
      await moveChampion(seeding, versions[0]);
    } finally {
      await seeding.close();
    }
    const labels = versions.map((version) => version.label);
    const env = { SLUICE_HOME: home };
    const serve = ServeProcess.start(env);
    try {
      const url = await serve.url();
      await serve.next("model_loaded", (line) => line.model_version === labels[0]);
      const load = loadOn(url);
      try {
        for (const [to, args] of [[1, ["promote", labels[1]]], [0, ["rollback"]]] as const) {
          const moved = await runScript("sluice.ts", ["models", ...args], env);
          assert.equal(moved.code, 0, moved.stderr);
          await serve.next("model_loaded", (line) => line.model_version === labels[to]);
          const served = load.answers.length;
          while (load.answers.length < served + 20) {
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
        }
      } finally {
        await load.stop();
      }
      assert.equal((await serve.stop()).code, 0);
      assert.deepEqual([...load.statuses.keys()], [200], JSON.stringify([...load.statuses]));
      assertScoredByNamedModel(load.answers, labels);
    } catch (error) {
      await serve.kill();
      throw error;
    } finally {
      await Deno.remove(home, { recursive: true });
    }
  },
});
