// Each data-test kind passes on good data and fails on crafted bad data naming the offending
// rows, on both engines: DuckDB (lake side) and Postgres (PGlite, warehouse side).
import assert from "node:assert/strict";
import type { AssetKey } from "../../../runtime/definitions/asset_key.ts";
import { DefinitionError } from "../../../runtime/errors.ts";
import {
  type DataTest,
  parseDataTests,
  runDataTest,
  type TestSession,
} from "../../../runtime/sql/data_tests.ts";
import { openDuckDb } from "../../../resources/duckdb/duckdb.ts";
import { openPgliteClient } from "../../../resources/postgres/pglite_client.ts";

const NOW = new Date("2026-11-22T12:00:00Z");

/** Orders and users as both engines create them; `bad` plants one fault per test kind. */
function fixtureSql(bad: boolean): string[] {
  const orders = bad
    ? `('o1', 'u1', 'SUCCEEDED', 10.00, TIMESTAMPTZ '2026-11-22 10:00:00+00'),
       ('o2', 'u2', 'LOST', 20.00, TIMESTAMPTZ '2026-11-22 11:00:00+00'),
       ('o2', 'u9', 'FAILED', -5.00, TIMESTAMPTZ '2026-11-22 11:30:00+00'),
       ('o4', NULL, 'PENDING', 7.00, TIMESTAMPTZ '2026-11-18 09:00:00+00')`
    : `('o1', 'u1', 'SUCCEEDED', 10.00, TIMESTAMPTZ '2026-11-22 10:00:00+00'),
       ('o2', 'u2', 'PENDING', 20.00, TIMESTAMPTZ '2026-11-22 11:00:00+00'),
       ('o3', 'u1', 'FAILED', 5.00, TIMESTAMPTZ '2026-11-22 11:30:00+00')`;
  return [
    "CREATE TABLE users (user_id VARCHAR)",
    "INSERT INTO users VALUES ('u1'), ('u2')",
    "CREATE TABLE orders (order_id VARCHAR, user_id VARCHAR, status VARCHAR, " +
    "amount DECIMAL(18, 2), ordered_at TIMESTAMPTZ)",
    `INSERT INTO orders VALUES ${orders}`,
  ];
}

const TESTS = parseDataTests([
  { not_null: ["order_id", "user_id"] },
  { unique: ["order_id"] },
  { unique: ["order_id", "user_id"], name: "unique_order_user" },
  { accepted_values: { column: "status", values: ["PENDING", "SUCCEEDED", "FAILED"] } },
  { relationships: { column: "user_id", to: "app.users", field: "user_id" } },
  { row_count: { min: 1, max: 3 } },
  { freshness: { column: "ordered_at", max_age_hours: 24 }, severity: "warn" },
  { name: "no_negative_amounts", sql: "SELECT order_id, amount FROM {{ this }} WHERE amount < 0" },
], "the test fixture");

/** What each test's failure must mention on the bad fixture. */
const EXPECTED_FAILURES: Readonly<Record<string, RegExp>> = {
  "not_null(order_id, user_id)": /1 failing row, first: .*"order_id":"o4"/,
  "unique(order_id)": /1 failing row, first: .*"order_id":"o2".*"occurrences":2/,
  "accepted_values(status)": /1 failing row, first: .*"status":"LOST"/,
  "relationships(user_id -> app.users.user_id)": /1 failing row, first: .*"user_id":"u9"/,
  "row_count(1..3)": /1 failing row, first: .*"row_count":4/,
  "no_negative_amounts": /1 failing row, first: .*"order_id":"o2".*-5/,
};

interface Engine {
  readonly name: string;
  open(bad: boolean): Promise<TestSession>;
}

const ENGINES: readonly Engine[] = [
  {
    name: "DuckDB",
    async open(bad) {
      const db = await openDuckDb();
      for (const sql of fixtureSql(bad)) await db.run(sql);
      return session("orders", (sql) => db.all(sql), () => Promise.resolve(db.close()));
    },
  },
  {
    name: "Postgres (PGlite)",
    async open(bad) {
      const db = await openPgliteClient(":memory:");
      for (const sql of fixtureSql(bad)) await db.exec(sql);
      return session("orders", (sql) => db.query(sql), () => db.close());
    },
  },
];

function session(
  self: string,
  all: (sql: string) => Promise<Record<string, unknown>[]>,
  close: () => Promise<void>,
): TestSession {
  return {
    self,
    now: NOW,
    relationOf: (key: AssetKey) => key === "app.users" ? "users" : `missing_${key}`,
    all,
    close,
  };
}

async function runAll(engine: Engine, bad: boolean) {
  const s = await engine.open(bad);
  try {
    const results = new Map<string, Awaited<ReturnType<typeof runDataTest>>>();
    for (const test of TESTS) results.set(test.name, await runDataTest(test, s));
    return results;
  } finally {
    await s.close();
  }
}

for (const engine of ENGINES) {
  Deno.test(`data tests pass on good data on ${engine.name}`, async () => {
    for (const [name, outcome] of await runAll(engine, false)) {
      assert.ok(outcome.passed, `${name} failed on good data: ${outcome.message}`);
    }
  });

  Deno.test(`data tests fail on bad data on ${engine.name}, naming the rows`, async () => {
    const results = await runAll(engine, true);
    for (const [name, pattern] of Object.entries(EXPECTED_FAILURES)) {
      const outcome = results.get(name)!;
      assert.ok(!outcome.passed, `${name} passed on bad data`);
      assert.match(outcome.message, pattern, name);
      assert.ok((outcome.failingRows?.length ?? 0) > 0, `${name} kept no failing rows`);
    }
    // (o2, u2) and (o2, u9) differ: the two-column key holds where the one-column key breaks.
    assert.ok(results.get("unique_order_user")!.passed);
    const stale = results.get("freshness(ordered_at < 24h)")!;
    assert.ok(stale.passed, "the newest order is 1 hour old: fresh");
  });
}

Deno.test("freshness fails when the newest row is older than the limit", async () => {
  const [test] = parseDataTests(
    [{ freshness: { column: "ordered_at", max_age_hours: 0.25 } }],
    "the freshness fixture",
  );
  for (const engine of ENGINES) {
    const s = await engine.open(false);
    try {
      const outcome = await runDataTest(test, s);
      assert.equal(outcome.passed, false, engine.name);
      assert.match(outcome.message, /newest/);
    } finally {
      await s.close();
    }
  }
});

Deno.test("parseDataTests names the test and field that are wrong", () => {
  assert.throws(
    () => parseDataTests([{ unique: "id" }, { accepted_values: { column: "x" } }], "marts/x.sql"),
    (e: Error) => e instanceof DefinitionError && /test 2 of marts\/x\.sql/.test(e.message),
  );
  assert.throws(() => parseDataTests([{ sql: "select 1" }], "a.sql"), /test 1/);
  assert.throws(
    () => parseDataTests([{ unique: "id" }, { unique: ["id"] }], "a.sql"),
    /declared twice/,
  );
  const tests: DataTest[] = parseDataTests([{ not_null: "id", severity: "warn" }], "a.sql");
  assert.equal(tests[0].severity, "warn");
  assert.equal(tests[0].name, "not_null(id)");
});

Deno.test("on a merge, blocking tests judged a row at a time read only the written rows", () => {
  const tests = parseDataTests([
    { not_null: "id" },
    { accepted_values: { column: "status", values: ["A"] } },
    { unique: "id" },
    { unique: ["id", "day"], name: "unique_id_day" },
    { name: "positive", per_row: true, sql: "select * from {{ this }} where amount < 0" },
    { not_null: "day", severity: "warn" },
    { unique: "day" },
    { row_count: { min: 1 } },
    { freshness: { column: "at", max_age_hours: 1 } },
    { relationships: { column: "user_id", to: "marts.users", field: "user_id" } },
    { name: "total", sql: "select sum(amount) from {{ this }} having sum(amount) < 0" },
  ], "marts/x.sql");
  const relations = {
    self: "whole",
    now: NOW,
    relationOf: (key: AssetKey) => `rel_${key}`,
    merge: { written: "written", target: "target", uniqueKey: ["id"] },
  };
  const reads = Object.fromEntries(tests.map((test) => {
    const sql = test.failingRowsSql(relations);
    return [test.name, /\bwritten\b/.test(sql) ? "written" : /\bwhole\b/.test(sql) ? "whole" : sql];
  }));
  assert.deepEqual(reads, {
    "not_null(id)": "written",
    "accepted_values(status)": "written",
    "unique(id)": "written",
    "unique_id_day": "written",
    "positive": "written",
    "not_null(day)": "whole",
    "unique(day)": "whole",
    "row_count(1..)": "whole",
    "freshness(at < 1h)": "whole",
    "relationships(user_id -> marts.users.user_id)": "whole",
    "total": "whole",
  });
  // Without a merge, every test reads the whole table.
  for (const test of tests) {
    assert.doesNotMatch(test.failingRowsSql({ ...relations, merge: undefined }), /\bwritten\b/);
  }
  assert.throws(
    () => parseDataTests([{ name: "x", per_row: "yes", sql: "select 1" }], "a.sql"),
    /test 1 of a\.sql/,
  );
});
