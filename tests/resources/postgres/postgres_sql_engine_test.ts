// Marts in the warehouse (PGlite): incremental merge with a late payment settlement, the
// lookback window and --full-refresh, a blocking data test that stops downstreams with the
// reason while the old table stays, and a warn test that only records.
import assert from "node:assert/strict";
import type { AnyAsset } from "../../../runtime/definitions/asset.ts";
import type { AssetKey } from "../../../runtime/definitions/asset_key.ts";
import type { SqlClient } from "../../../runtime/sql_client.ts";
import { openHarness } from "../../support/runtime_harness.ts";
import { FakeClock } from "../../support/fake_clock.ts";
import { createFreshDatabase, needsPostgres } from "../../support/services.ts";
import { openMetadataStore } from "../../../resources/postgres/open_metadata_store.ts";
import { SQL_FORMS } from "../../support/sql_forms.ts";
import { postgresMartsIn, warehouseTableAsset } from "../../support/postgres_marts.ts";

interface OrderRow {
  readonly order_id: string;
  readonly status: string;
  readonly updated_at: string;
}

/** The orders table the marts read, rewritten by the test. */
function sourceAsset(rows: () => readonly OrderRow[]): AnyAsset {
  return warehouseTableAsset(
    "src.orders",
    "(order_id text, status text, updated_at timestamptz)",
    ["order_id", "status", "updated_at"],
    rows,
  );
}

const FACT = `/*
key: marts.fact
engine: postgres
materialized: incremental
unique_key: order_id
updated_at: updated_at
lookback_days: 3
tests:
  - unique: order_id
*/
-- ref('src.nothing') in a comment is not an edge
select order_id, status, updated_at, 'ref(''src.nothing'')' as note
from {{ ref('src.orders') }}
`;

const SUMMARY = `/*
key: marts.summary
engine: postgres
materialized: table
tests:
  - row_count: { max: 100 }
  - name: nothing_declined
    severity: warn
    sql: "select * from {{ this }} where status = 'DECLINED'"
*/
select status, count(*)::int as orders from {{ ref('marts.fact') }} group by status
`;

type Backend = "PGlite" | "Postgres";

async function setup(
  backend: Backend,
  rows: () => readonly OrderRow[],
  files: Record<string, string>,
) {
  const marts = await postgresMartsIn(files);
  const database = backend === "Postgres" ? await createFreshDatabase() : undefined;
  const store = database && await openMetadataStore({ databaseUrl: database.url });
  const opened = await openHarness([sourceAsset(rows), ...marts], {
    clock: new FakeClock(new Date("2026-11-22T12:00:00Z")),
    ...(store && { store }),
  });
  const h = {
    ...opened,
    close: async () => {
      await opened.close();
      await database?.drop();
    },
  };
  const resources = { warehouse: h.store.database } as never;
  // The source has no upstream to go stale from: re-read it by force, then build what is stale.
  const run = async (extra: { fullRefresh?: boolean } = {}) => {
    await h.run({ resources, selection: "src.orders", force: true });
    return h.run({ resources, ...extra });
  };
  return { h, run, db: h.store.database };
}

async function table(db: SqlClient, sql: string) {
  return (await db.query<Record<string, unknown>>(sql)).map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]),
    )
  );
}

for (const backend of ["PGlite", "Postgres"] as const) {
  Deno.test({
    name:
      `an incremental mart merges a late settlement into its order, never duplicating it (${backend})`,
    ...(backend === "Postgres" ? needsPostgres() : {}),
    fn: async () => {
      let rows: OrderRow[] = [
        { order_id: "o1", status: "PENDING", updated_at: "2026-11-18T10:00:00Z" },
        { order_id: "o2", status: "SUCCEEDED", updated_at: "2026-11-18T11:00:00Z" },
        { order_id: "o0", status: "SUCCEEDED", updated_at: "2026-11-01T11:00:00Z" },
      ];
      const { h, run, db } = await setup(backend, () => rows, { "fact.sql": FACT });
      try {
        const fact = h.graph.definition("marts.fact" as AssetKey);
        assert.deepEqual(fact.deps.map((d) => d.key), ["src.orders"], "refs in comments/strings");
        assert.equal((await run()).run?.status, "succeeded");
        assert.equal((await db.query("select * from marts.fact")).length, 3);

        // Two days later o1 settles, o3 arrives, and o0 (far outside the lookback) is restated.
        rows = [
          { order_id: "o1", status: "SUCCEEDED", updated_at: "2026-11-20T09:00:00Z" },
          { order_id: "o2", status: "SUCCEEDED", updated_at: "2026-11-18T11:00:00Z" },
          { order_id: "o3", status: "PENDING", updated_at: "2026-11-20T10:00:00Z" },
          { order_id: "o0", status: "CHARGEBACK", updated_at: "2026-11-01T11:00:00Z" },
        ];
        const second = await run();
        assert.equal(second.run?.status, "succeeded");
        assert.deepEqual(
          await table(db, "select order_id, status from marts.fact order by order_id"),
          [
            { order_id: "o0", status: "SUCCEEDED" }, // outside the window: untouched
            { order_id: "o1", status: "SUCCEEDED" },
            { order_id: "o2", status: "SUCCEEDED" },
            { order_id: "o3", status: "PENDING" },
          ],
        );
        const [m] = await h.store.database.query<{ metadata: Record<string, unknown> }>(
          `select metadata from platform.materializations where asset_key = 'marts.fact'
       order by committed_at desc, seq desc limit 1`,
        );
        assert.equal(m.metadata.mode, "merge");
        assert.equal(m.metadata.lookback_from, "2026-11-15 11:00:00+00");

        // --full-refresh rebuilds everything, so the restated o0 lands too.
        assert.equal((await run({ fullRefresh: true })).run?.status, "succeeded");
        assert.deepEqual(
          await table(db, "select order_id, status from marts.fact where order_id = 'o0'"),
          [{ order_id: "o0", status: "CHARGEBACK" }],
        );
        assert.equal((await db.query("select * from marts.fact")).length, 4);
      } finally {
        await h.close();
      }
    },
  });

  Deno.test({
    name:
      `a failing blocking test keeps the old table, fails the mart and skips downstreams (${backend})`,
    ...(backend === "Postgres" ? needsPostgres() : {}),
    fn: async () => {
      let rows: OrderRow[] = [
        { order_id: "o1", status: "SUCCEEDED", updated_at: "2026-11-20T10:00:00Z" },
        { order_id: "o2", status: "DECLINED", updated_at: "2026-11-20T11:00:00Z" },
      ];
      const { h, run, db } = await setup(backend, () => rows, {
        "fact.sql": FACT,
        "summary.sql": SUMMARY,
      });
      try {
        const first = await run();
        assert.equal(first.run?.status, "succeeded");
        // The warn test failed (a DECLINED order) but only recorded.
        const warn = (await h.store.checks.latestCheckResults("marts.summary" as AssetKey)).get(
          "" as never,
        )!
          .find((c) => c.name === "nothing_declined")!;
        assert.equal(warn.passed, false);
        assert.match(warn.message, /1 failing row, first: .*DECLINED/);

        // A duplicate order id arrives: unique(order_id) fails on the would-be merged table.
        rows = [...rows, {
          order_id: "o1",
          status: "REFUNDED",
          updated_at: "2026-11-21T10:00:00Z",
        }];
        const second = await run();
        assert.equal(second.run?.status, "failed");
        const fact = second.run!.steps.find((s) => s.assetKey === "marts.fact")!;
        assert.equal(fact.status, "failed");
        assert.match(fact.reason, /unique\(order_id\)/);
        assert.match(fact.reason, /"order_id":"o1"/);
        const summary = second.run!.steps.find((s) => s.assetKey === "marts.summary")!;
        assert.equal(summary.status, "skipped");
        assert.match(summary.reason, /marts\.fact failed/);
        const status = await h.status("marts.fact");
        assert.equal(status.status, "failed");
        assert.deepEqual(
          await table(db, "select order_id, status from marts.fact order by order_id"),
          [{ order_id: "o1", status: "SUCCEEDED" }, { order_id: "o2", status: "DECLINED" }],
        );
      } finally {
        await h.close();
      }
    },
  });
}

/** One view, table and incremental mart per valid form of a SQL file. */
function martsInEveryForm(): Record<string, string> {
  const files: Record<string, string> = {};
  const select = "select order_id, status, updated_at from {{ ref('src.orders') }}";
  for (const [i, form] of SQL_FORMS.entries()) {
    files[`view_${i}.sql`] = `/*\nkey: marts.view_${i}\nmaterialized: view\n*/\n` +
      form.dress(select);
    files[`table_${i}.sql`] = `/*\nkey: marts.table_${i}\nmaterialized: table\ntests:\n` +
      `  - name: no_null_status\n    sql: "select * from {{ this }} where status is null; -- none"\n*/\n` +
      form.dress(select);
    files[`inc_${i}.sql`] = `/*\nkey: marts.inc_${i}\nmaterialized: incremental\n` +
      `unique_key: order_id\nupdated_at: updated_at\nlookback_days: 3\n*/\n` + form.dress(select);
  }
  return files;
}

for (const backend of ["PGlite", "Postgres"] as const) {
  Deno.test({
    name: `marts run a SQL file in every valid form: view, table, merge and tests (${backend})`,
    ...(backend === "Postgres" ? needsPostgres() : {}),
    fn: async () => {
      let rows: OrderRow[] = [
        { order_id: "o1", status: "PENDING", updated_at: "2026-11-18T10:00:00Z" },
      ];
      const { h, run, db } = await setup(backend, () => rows, martsInEveryForm());
      try {
        const first = await run();
        assert.equal(first.run?.status, "succeeded");
        assert.equal(first.run?.steps.length, 3 * SQL_FORMS.length);
        // The second build of an incremental mart filters the query inside a subquery.
        rows = [...rows, {
          order_id: "o2",
          status: "SUCCEEDED",
          updated_at: "2026-11-19T10:00:00Z",
        }];
        const second = await run();
        assert.equal(second.run?.status, "succeeded");
        for (const i of SQL_FORMS.keys()) {
          for (const kind of ["view", "table", "inc"]) {
            assert.deepEqual(
              await table(db, `select order_id from marts.${kind}_${i} order by order_id`),
              [{ order_id: "o1" }, { order_id: "o2" }],
              `${kind} in form '${SQL_FORMS[i].name}'`,
            );
          }
          const sql = h.graph.definition(`marts.inc_${i}` as AssetKey).renderSql!();
          assert.match(sql, /from "src"\."orders"/);
        }
        const [m] = await db.query<{ n: number }>(
          `select count(*)::int as n from platform.materializations
           where asset_key like 'marts.inc_%' and metadata->>'mode' = 'merge'`,
        );
        assert.equal(m.n, SQL_FORMS.length);
      } finally {
        await h.close();
      }
    },
  });
}
