// Incremental marts write only what changed (issue 17 point 3): on generated data, a merge leaves
// the mart equal, row for row, to a full rebuild of the same query, writes exactly the new and
// changed rows, and its data tests still fail on a duplicate key (changed or not), a null, a
// value outside the accepted ones, a per-row custom test and a broken relationship, and test the
// whole table again when the tests changed since the target was built.
import assert from "node:assert/strict";
import type { SqlClient } from "../../../runtime/sql_client.ts";
import { openHarness } from "../../support/runtime_harness.ts";
import { FakeClock } from "../../support/fake_clock.ts";
import { createFreshDatabase, needsPostgres } from "../../support/services.ts";
import { openMetadataStore } from "../../../resources/postgres/open_metadata_store.ts";
import { postgresMartsIn, warehouseTableAsset } from "../../support/postgres_marts.ts";

interface Order {
  order_id: string;
  user_id: string | null;
  status: string;
  amount: string | null;
  updated_at: string;
}

// amount_f: a type whose equality is not identity (0 = -0), compared as text by the merge.
const SELECT = `select o.order_id, o.user_id, o.status, o.amount, o.updated_at,
  o.amount::float8 as amount_f
from {{ ref('src.orders') }} as o`;

const TESTS = `tests:
  - unique: order_id
  - not_null: [order_id, user_id]
  - accepted_values: { column: status, values: [PENDING, SUCCEEDED, DECLINED] }
  - relationships: { column: user_id, to: src.users, field: user_id }
  - name: no_negative_amounts
    per_row: true
    sql: "select order_id, amount from {{ this }} where amount < 0"`;

const INCREMENTAL = `/*
key: marts.fact_inc
engine: postgres
materialized: incremental
unique_key: order_id
updated_at: updated_at
lookback_days: 3
${TESTS}
*/
${SELECT}
left join {{ ref('src.users') }} as u on u.user_id = o.user_id
`;

const FULL = `/*
key: marts.fact_full
engine: postgres
materialized: table
*/
${SELECT}
`;

type Backend = "PGlite" | "Postgres";

async function setup(
  backend: Backend,
  data: { orders: Order[]; users: string[] },
  files: Record<string, string>,
) {
  const marts = await postgresMartsIn(files);
  const database = backend === "Postgres" ? await createFreshDatabase() : undefined;
  const store = database && await openMetadataStore({ databaseUrl: database.url });
  const sources = [
    warehouseTableAsset(
      "src.orders",
      "(order_id text, user_id text, status text, amount numeric(10, 2), updated_at timestamptz)",
      ["order_id", "user_id", "status", "amount", "updated_at"],
      () => data.orders as unknown as Record<string, unknown>[],
    ),
    warehouseTableAsset(
      "src.users",
      "(user_id text)",
      ["user_id"],
      () => data.users.map((user_id) => ({ user_id })),
    ),
  ];
  const h = await openHarness([...sources, ...marts], {
    clock: new FakeClock(new Date("2026-11-22T12:00:00Z")),
    ...(store && { store }),
  });
  const resources = { warehouse: h.store.database } as never;
  // The sources re-read by force; the marts built by force too, so unchanged inputs merge again.
  const run = async () => {
    await h.run({ resources, selection: "src.orders,src.users", force: true });
    return h.run({ resources, selection: "group:marts", force: true });
  };
  const close = async () => {
    await h.close();
    await database?.drop();
  };
  return { h, run, db: h.store.database, close };
}

async function lastBuild(db: SqlClient, key: string) {
  const [m] = await db.query<{ rows: number; metadata: Record<string, unknown> }>(
    `select rows::int as rows, metadata from platform.materializations where asset_key = $1
     order by committed_at desc, seq desc limit 1`,
    [key],
  );
  return { ...m };
}

/** Rows of one table missing from the other, both ways, duplicates counted. */
async function difference(db: SqlClient, a: string, b: string): Promise<number> {
  const [{ n }] = await db.query<{ n: number }>(
    `select count(*)::int as n from ((table ${a} except all table ${b})
     union all (table ${b} except all table ${a})) as d`,
  );
  return n;
}

/** A seeded generator (mulberry32), so every run sees the same orders. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY_MS = 86_400_000;
const START = Date.parse("2026-11-10T00:00:00Z");

/**
 * Day `day` of generated orders: 30 new ones, and 10 of the last two days' orders changed (status,
 * user or amount, nulls included) with their updated_at moved to that day.
 */
function nextDay(orders: Order[], day: number, rand: () => number): Set<string> {
  const at = () => new Date(START + day * DAY_MS + Math.floor(rand() * DAY_MS)).toISOString();
  const touched = new Set<string>();
  const recent = orders.filter((o) => Date.parse(o.updated_at) >= START + (day - 2) * DAY_MS);
  while (touched.size < Math.min(10, recent.length)) {
    const order = recent[Math.floor(rand() * recent.length)];
    if (touched.has(order.order_id)) continue;
    touched.add(order.order_id);
    const change = Math.floor(rand() * 3);
    if (change === 0) order.status = order.status === "PENDING" ? "SUCCEEDED" : "DECLINED";
    if (change === 1) order.user_id = `u${Math.floor(rand() * 5)}`;
    if (change === 2) order.amount = order.amount === null ? "12.50" : null;
    order.updated_at = at();
  }
  for (let i = 0; i < 30; i++) {
    const id = `o${day}_${i}`;
    touched.add(id);
    orders.push({
      order_id: id,
      user_id: `u${Math.floor(rand() * 5)}`,
      status: rand() < 0.5 ? "PENDING" : "SUCCEEDED",
      amount: rand() < 0.1 ? null : (Math.floor(rand() * 100_000) / 100).toFixed(2),
      updated_at: at(),
    });
  }
  return touched;
}

const USERS = ["u0", "u1", "u2", "u3", "u4"];

for (const backend of ["PGlite", "Postgres"] as const) {
  Deno.test({
    name:
      `a merge leaves the mart equal to a full rebuild and writes only the new and changed rows (${backend})`,
    ...(backend === "Postgres" ? needsPostgres() : {}),
    fn: async () => {
      const rand = random(17);
      const data = { orders: [] as Order[], users: USERS };
      nextDay(data.orders, 0, rand);
      const t = await setup(backend, data, { "inc.sql": INCREMENTAL, "full.sql": FULL });
      try {
        assert.equal((await t.run()).run?.status, "succeeded");
        assert.equal((await lastBuild(t.db, "marts.fact_inc")).metadata.mode, "rebuild");
        for (let day = 1; day <= 5; day++) {
          const touched = nextDay(data.orders, day, rand);
          assert.equal((await t.run()).run?.status, "succeeded", `day ${day}`);
          const build = await lastBuild(t.db, "marts.fact_inc");
          assert.equal(build.metadata.mode, "merge");
          assert.equal(build.metadata.unchanged_rows_skipped, true);
          assert.equal(typeof build.metadata.written_relation, "string", "tests on written rows");
          assert.equal(build.rows, touched.size, `day ${day}: rows written`);
          assert.equal(await difference(t.db, "marts.fact_inc", "marts.fact_full"), 0);
          assert.equal(
            (await t.db.query("select * from marts.fact_inc")).length,
            30 * (day + 1),
          );
        }
        // Nothing changed: the merge writes no row and the mart stays equal.
        assert.equal((await t.run()).run?.status, "succeeded");
        assert.equal((await lastBuild(t.db, "marts.fact_inc")).rows, 0);
        assert.equal(await difference(t.db, "marts.fact_inc", "marts.fact_full"), 0);
        const stages = await t.db.query(
          `select relname from pg_class where relname like '%__stage_%'`,
        );
        assert.deepEqual([...stages], [], "the merge drops its stage and test view");
      } finally {
        await t.close();
      }
    },
  });

  Deno.test({
    name:
      `a merge's data tests still fail on a duplicate key, a null, a bad value, a per-row test and a broken relationship (${backend})`,
    ...(backend === "Postgres" ? needsPostgres() : {}),
    fn: async () => {
      const base: Order[] = [
        {
          order_id: "o1",
          user_id: "u1",
          status: "PENDING",
          amount: "10.00",
          updated_at: "2026-11-20T10:00:00Z",
        },
        {
          order_id: "o2",
          user_id: "u2",
          status: "SUCCEEDED",
          amount: "20.00",
          updated_at: "2026-11-20T11:00:00Z",
        },
      ];
      const data = { orders: structuredClone(base), users: ["u1", "u2"] };
      const t = await setup(backend, data, { "inc.sql": INCREMENTAL });
      try {
        assert.equal((await t.run()).run?.status, "succeeded");
        // Merged with nothing changed: the tests below run on the written rows.
        assert.equal((await t.run()).run?.status, "succeeded");
        const committed = await lastBuild(t.db, "marts.fact_inc");
        assert.equal(committed.metadata.mode, "merge");
        assert.equal(typeof committed.metadata.written_relation, "string");
        const o1 = base[0];
        const cases: { name: string; orders: Order[]; users?: string[]; failing: RegExp }[] = [
          // An exact copy of an unchanged row: pruning must not hide either.
          { name: "identical duplicate", orders: [...base, o1], failing: /unique\(order_id\)/ },
          {
            name: "changed duplicate",
            orders: [...base, { ...o1, status: "SUCCEEDED" }],
            failing: /unique\(order_id\)/,
          },
          {
            name: "null",
            orders: [base[0], { ...base[1], user_id: null }],
            failing: /not_null\(order_id, user_id\)/,
          },
          {
            name: "bad value",
            orders: [base[0], { ...base[1], status: "LOST" }],
            failing: /accepted_values\(status\)/,
          },
          {
            name: "per-row custom test",
            orders: [base[0], { ...base[1], amount: "-1.00" }],
            failing: /no_negative_amounts/,
          },
          // An unchanged order whose user went away: the relationship is tested on the whole table.
          { name: "broken relationship", orders: base, users: ["u2"], failing: /relationships/ },
        ];
        for (const c of cases) {
          data.orders = c.orders;
          data.users = c.users ?? ["u1", "u2"];
          const outcome = await t.run();
          assert.equal(outcome.run?.status, "failed", c.name);
          const step = outcome.run!.steps.find((s) => s.assetKey === "marts.fact_inc")!;
          assert.match(step.reason, c.failing, c.name);
          assert.deepEqual(await lastBuild(t.db, "marts.fact_inc"), committed, c.name);
        }
        assert.deepEqual(
          [...await t.db.query("select order_id, status from marts.fact_inc order by order_id")],
          [{ order_id: "o1", status: "PENDING" }, { order_id: "o2", status: "SUCCEEDED" }],
        );
      } finally {
        await t.close();
      }
    },
  });

  Deno.test({
    name:
      `a merge tests the whole table again when the table's rows passed other tests (${backend})`,
    ...(backend === "Postgres" ? needsPostgres() : {}),
    fn: async () => {
      const o1: Order = {
        order_id: "o1",
        user_id: "u1",
        status: "PENDING",
        amount: "10.00",
        updated_at: "2026-11-20T10:00:00Z",
      };
      const data = { orders: [o1], users: ["u1"] };
      const t = await setup(backend, data, { "inc.sql": INCREMENTAL });
      try {
        assert.equal((await t.run()).run?.status, "succeeded");
        const comment = async () =>
          (await t.db.query<{ c: string }>(
            `select obj_description('marts.fact_inc'::regclass, 'pg_class') as c`,
          ))[0].c;
        assert.match(await comment(), /^sluice data tests [0-9a-f]{32}$/);
        // A row far outside the window that the current tests would refuse, as if an earlier
        // build with other tests had committed it.
        await t.db.exec(
          `insert into marts.fact_inc values ('o0', 'u1', 'PENDING', -5, '2026-11-01T10:00:00Z', -5);
           comment on table marts.fact_inc is 'sluice data tests 0'`,
        );
        data.orders = [o1, { ...o1, order_id: "o2" }];
        const outcome = await t.run();
        assert.equal(outcome.run?.status, "failed");
        const step = outcome.run!.steps.find((s) => s.assetKey === "marts.fact_inc")!;
        assert.match(step.reason, /no_negative_amounts/);
        assert.match(step.reason, /"order_id":"o0"/);
        // Without that row the same merge commits, and records the tests its rows passed.
        await t.db.exec(`delete from marts.fact_inc where order_id = 'o0'`);
        assert.equal((await t.run()).run?.status, "succeeded");
        const build = await lastBuild(t.db, "marts.fact_inc");
        assert.equal(build.metadata.mode, "merge");
        assert.equal(build.metadata.written_relation, undefined, "tested on the whole table");
        assert.notEqual(await comment(), "sluice data tests 0");
        assert.match(await comment(), /^sluice data tests [0-9a-f]{32}$/);
      } finally {
        await t.close();
      }
    },
  });
}
