// kill -9 in the warehouse: between a partition's COPY and its commit, the old partition stays
// current and readable; and the stage tables that failed or killed mart builds leave behind are
// dropped by vacuum, while a live build's stage stays.
import assert from "node:assert/strict";
import postgres from "postgres";
import { openMetadataStore } from "../../resources/postgres/open_metadata_store.ts";
import { dropStaleStages } from "../../resources/postgres/stale_stages.ts";
import { reapDeadRuns } from "../../runtime/execution/dead_runs.ts";
import { createLogger } from "../../runtime/logger.ts";
import { needsPostgres, withFreshDatabase } from "../support/services.ts";
import { DAY, ROWS } from "./fixtures/warehouse_crash_app.ts";

const APP = new URL("./fixtures/warehouse_crash_app.ts", import.meta.url).pathname;

function app(env: Record<string, string>): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", APP],
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function status(child: Deno.ChildProcess): Promise<string> {
  const output = await child.output();
  const text = new TextDecoder();
  assert.equal(output.code, 0, text.decode(output.stderr));
  return text.decode(output.stdout).trim();
}

/** Starts the app with a crash marker and returns it once it hangs there. */
async function hanging(env: Record<string, string>, marker: string) {
  const child = app({ ...env, CRASH_MARKER: marker });
  for (let i = 0; i < 1_200; i++) {
    try {
      await Deno.stat(marker);
      return child;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  child.kill("SIGKILL");
  throw new Error(new TextDecoder().decode((await child.output()).stderr));
}

async function killed(child: Deno.ChildProcess): Promise<void> {
  child.kill("SIGKILL");
  await child.output();
}

async function query<T>(url: string, fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await fn(sql);
  } finally {
    await sql.end();
  }
}

async function withSetup(
  fn: (url: string, env: Record<string, string>, dir: string) => Promise<void>,
) {
  await withFreshDatabase(async (url) => {
    const dir = await Deno.makeTempDir({ prefix: "sluice-warehouse-crash-" });
    try {
      await fn(url, { STORE_URL: url, LAKE_DIR: dir }, dir);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test({
  name:
    "kill -9 between a warehouse partition's COPY and its commit leaves the old partition current",
  ...needsPostgres(),
  fn: () =>
    withSetup(async (url, env, dir) => {
      assert.equal(await status(app({ ...env, MODE: "publish", VALUE: "v1" })), "succeeded");
      const v1 = await query(url, (sql) =>
        sql`select order_id, version from gold.fraud_alerts
            where _partition = ${DAY} order by order_id`);
      assert.deepEqual(v1.map((r) => r.version), Array(ROWS.v1).fill("v1"));

      const child = await hanging({ ...env, MODE: "publish", VALUE: "v2" }, `${dir}/marker`);
      // Mid-transaction the old rows are still what readers see.
      const during = await query(url, (sql) =>
        sql`select count(*)::int as n from gold.fraud_alerts where version = 'v1'`);
      assert.equal(during[0].n, ROWS.v1);
      await killed(child);

      const after = await query(url, (sql) =>
        sql`select order_id, version from gold.fraud_alerts
            where _partition = ${DAY} order by order_id`);
      assert.deepEqual(after, v1, "the killed COPY rolled back; v1 is current");
      const pointer = await query(url, (sql) =>
        sql`select rows::int as rows from platform.asset_partitions
            where asset_key = 'warehouse.gold.fraud_alerts' and partition_key = ${DAY}`);
      assert.deepEqual(
        pointer.map((r) =>
          r.rows
        ),
        [ROWS.v1],
      );

      assert.equal(await status(app({ ...env, MODE: "publish", VALUE: "v2" })), "succeeded");
      const v2 = await query(url, (sql) =>
        sql`select version, count(*)::int as n from gold.fraud_alerts
            where _partition = ${DAY} group by version`);
      assert.deepEqual([...v2], [{ version: "v2", n: ROWS.v2 }]);
    }),
});

/** The stage relations in schema marts. */
function stages(url: string) {
  return query(url, (sql) =>
    sql`select c.relname as name from pg_class c
        join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'marts' and c.relname like '%\\_\\_stage\\_%' order by 1`
      .then((rows) => rows.map((r) => r.name as string)));
}

async function vacuumStages(url: string): Promise<number> {
  const store = await openMetadataStore({ databaseUrl: url });
  try {
    await reapDeadRuns(store, { at: new Date(), noticedBy: "vacuum", log: createLogger([]) });
    const active = new Set((await store.runs.listRunning()).map((r) => r.run.id));
    return await dropStaleStages(store.database, active, false);
  } finally {
    await store.close();
  }
}

Deno.test({
  name: "vacuum drops the stages of failed and killed mart builds and keeps a live build's",
  ...needsPostgres(),
  fn: () =>
    withSetup(async (url, env, dir) => {
      // A build whose blocking data test fails leaves its stage.
      assert.equal(await status(app({ ...env, MODE: "mart", MIN_ROWS: "5" })), "failed");
      const failed = await stages(url);
      assert.equal(failed.length, 1);
      assert.match(failed[0], /^crash_probe__stage_[0-9a-f]{12}$/);

      // A live build's stage stays; once killed, its stage goes too.
      const child = await hanging({ ...env, MODE: "mart" }, `${dir}/marker`);
      const during = await stages(url);
      assert.equal(during.length, 2);
      assert.equal(await vacuumStages(url), 1, "only the failed build's stage is stale");
      const live = await stages(url);
      assert.deepEqual(live, during.filter((name) => name !== failed[0]));
      await killed(child);
      assert.equal(await vacuumStages(url), 1);
      assert.deepEqual(await stages(url), []);

      // A build that commits leaves none.
      assert.equal(await status(app({ ...env, MODE: "mart" })), "succeeded");
      assert.deepEqual(await stages(url), []);
      assert.equal(await vacuumStages(url), 0);
    }),
});
