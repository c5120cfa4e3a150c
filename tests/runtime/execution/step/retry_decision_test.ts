// A step fails at once on a failure that would repeat and retries the others with its policy:
// a broken SQL file fails after exactly one attempt and names its file, line and column, on
// DuckDB, PGlite and a Postgres server; a serialization failure is retried; retryOn overrides.
import assert from "node:assert/strict";
import { join } from "node:path";
import { type AnyAsset, defineAsset } from "../../../../runtime/definitions/asset.ts";
import type { RetryPolicy } from "../../../../runtime/definitions/policies.ts";
import { loadSqlAssets } from "../../../../runtime/sql/sql_asset.ts";
import type { SqlClient } from "../../../../runtime/sql_client.ts";
import { duckDbSqlEngine } from "../../../../resources/duckdb/duckdb_sql_engine.ts";
import { postgresSqlEngine } from "../../../../resources/postgres/postgres_sql_engine.ts";
import { openMetadataStore } from "../../../../resources/postgres/open_metadata_store.ts";
import { FakeClock } from "../../../support/fake_clock.ts";
import { type Harness, openHarness } from "../../../support/runtime_harness.ts";
import { createFreshDatabase, needsPostgres } from "../../../support/services.ts";

const RETRY: Partial<RetryPolicy> = { maxAttempts: 3, initialDelayMs: 100, jitter: 0 };

/** The SQL files in a temp dir, loaded with both engines; the dir stays for the messages. */
async function sqlAssets(
  files: Record<string, string>,
): Promise<{ dir: string; assets: AnyAsset[] }> {
  const dir = await Deno.makeTempDir({ prefix: "sluice-broken-sql-" });
  for (const [name, text] of Object.entries(files)) await Deno.writeTextFile(join(dir, name), text);
  const assets = await loadSqlAssets(dir, {
    engines: { duckdb: duckDbSqlEngine({ open: { threads: 1 } }), postgres: postgresSqlEngine() },
    defaultEngine: "duckdb",
  });
  return { dir, assets };
}

/** Runs everything once and returns the one step's record, the sleeps and the run's log. */
async function runOnce(h: Harness, resources: unknown = {}) {
  const logs: string[] = [];
  const outcome = await h.run({
    resources: resources as never,
    logSinks: [(event) => logs.push(event.message)],
  });
  assert.equal(outcome.run?.status, "failed");
  const [step] = outcome.run!.steps;
  return { step, sleeps: h.clock.sleeps, logs };
}

const BROKEN_DUCKDB = `/*
key: gold.summary
retry: { max_attempts: 3, initial_delay_ms: 100 }
*/
-- A typo on line 7, column 5.
select country,
    amout
from (select 'FR' as country, 12.5 as amount) as orders
-- note
`;

Deno.test("a broken DuckDB SQL file fails after exactly one attempt, naming file:line:col", async () => {
  const { dir, assets } = await sqlAssets({ "summary.sql": BROKEN_DUCKDB });
  const h = await openHarness(assets, { clock: new FakeClock() });
  try {
    const { step, sleeps, logs } = await runOnce(h);
    assert.equal(step.status, "failed");
    assert.equal(step.attempts, 1);
    assert.deepEqual(sleeps, []);
    assert.equal(
      step.reason,
      `${join(dir, "summary.sql")}:7:5: Binder Error: Referenced column "amout" not found in ` +
        `FROM clause! Candidate bindings: "amount", "country"`,
    );
    assert.ok(logs.includes("not retried: DuckDB binder error fails again"), logs.join("\n"));
  } finally {
    await h.close();
    await Deno.remove(dir, { recursive: true });
  }
});

const BROKEN_MART = `/*
key: marts.summary
engine: postgres
materialized: table
retry: { max_attempts: 3 }
*/
select country,
       amout
from (select 'FR' as country, 12.5 as amount) as orders;
`;

for (const backend of ["PGlite", "Postgres"] as const) {
  Deno.test({
    name:
      `a broken Postgres mart fails after exactly one attempt, naming file:line:col (${backend})`,
    ...(backend === "Postgres" ? needsPostgres() : {}),
    async fn() {
      const { dir, assets } = await sqlAssets({ "summary.sql": BROKEN_MART });
      const database = backend === "Postgres" ? await createFreshDatabase() : undefined;
      const store = database && await openMetadataStore({ databaseUrl: database.url });
      const h = await openHarness(assets, { clock: new FakeClock(), ...(store && { store }) });
      try {
        const { step, sleeps } = await runOnce(h, { warehouse: h.store.database });
        assert.equal(step.attempts, 1);
        assert.deepEqual(sleeps, []);
        assert.equal(
          step.reason,
          `${join(dir, "summary.sql")}:8:8: column "amout" does not exist (SQLSTATE 42703)`,
        );
      } finally {
        await h.close();
        await database?.drop();
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}

Deno.test("a TypeError in asset code fails once; retryOn 'all' retries it anyway", async () => {
  let attempts = 0;
  const buggy = (key: string, retry: Partial<RetryPolicy>) =>
    defineAsset({
      key,
      retry,
      materialize: () => {
        attempts++;
        const row = undefined as unknown as { amount: number };
        return Promise.resolve({ data: String(row.amount) });
      },
    });
  const h = await openHarness([buggy("demo.once", RETRY)]);
  try {
    const { step, sleeps } = await runOnce(h);
    assert.equal(step.attempts, 1);
    assert.equal(attempts, 1);
    assert.deepEqual(sleeps, []);
    assert.match(step.reason, /^Cannot read properties of undefined \(reading 'amount'\)/);
  } finally {
    await h.close();
  }
  attempts = 0;
  const all = await openHarness([buggy("demo.all", { ...RETRY, retryOn: "all" })]);
  try {
    const { step, sleeps } = await runOnce(all);
    assert.equal(step.attempts, 3);
    assert.equal(attempts, 3);
    assert.deepEqual(sleeps, [100, 200]);
  } finally {
    await all.close();
  }
});

Deno.test("a serialization failure is retried with backoff and the step then succeeds", async () => {
  let attempts = 0;
  // The harness's database, known once it is open.
  const database: { client?: SqlClient } = {};
  const contended = defineAsset({
    key: "demo.contended",
    retry: RETRY,
    async materialize() {
      attempts++;
      if (attempts === 1) {
        // A real Postgres error object, raised by the database the way a conflict raises it.
        await database.client!.exec(
          "do $$ begin raise exception 'could not serialize access' using errcode = '40001'; end $$",
        );
      }
      return { data: "ok" };
    },
  });
  const h = await openHarness([contended]);
  database.client = h.store.database;
  try {
    const outcome = await h.run();
    assert.equal(outcome.run?.status, "succeeded");
    assert.equal(outcome.run?.steps[0].attempts, 2);
    assert.deepEqual(h.clock.sleeps, [100]);
  } finally {
    await h.close();
  }
});

Deno.test("a retryOn function decides by the error", async () => {
  let attempts = 0;
  const asset = defineAsset({
    key: "demo.picky",
    retry: { ...RETRY, retryOn: (error) => (error as Error).message !== "quota exhausted" },
    materialize: () => {
      attempts++;
      return Promise.reject(new Error("quota exhausted"));
    },
  });
  const h = await openHarness([asset]);
  try {
    const { step } = await runOnce(h);
    assert.equal(step.attempts, 1);
    assert.equal(attempts, 1);
  } finally {
    await h.close();
  }
});
