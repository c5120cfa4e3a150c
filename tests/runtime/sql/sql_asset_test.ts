import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import type { AssetKey } from "../../../runtime/definitions/asset_key.ts";
import type { MaterializeContext } from "../../../runtime/definitions/context.ts";
import { DefinitionError } from "../../../runtime/errors.ts";
import { AssetGraph } from "../../../runtime/graph/asset_graph.ts";
import { DailyPartitions } from "../../../runtime/partitions/daily_partitions.ts";
import { StaticPartitions } from "../../../runtime/partitions/static_partitions.ts";
import { loadSqlAssets } from "../../../runtime/sql/sql_asset.ts";
import type { SqlAssetSource, SqlEngine } from "../../../runtime/sql/sql_engine.ts";
import type { TestSession } from "../../../runtime/sql/data_tests.ts";

/** An engine that records what it was asked to run. */
class RecordingEngine implements SqlEngine {
  readonly calls: { ctx: MaterializeContext; source: SqlAssetSource }[] = [];
  constructor(readonly name: string) {}
  materialize(ctx: MaterializeContext, source: SqlAssetSource) {
    this.calls.push({ ctx, source });
    return Promise.resolve({ rows: 7 });
  }
  openTestSession(): Promise<TestSession> {
    return Promise.reject(new Error("not used"));
  }
}

async function withSqlDir(
  files: Record<string, string>,
  body: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "sluice_sql_" });
  try {
    for (const [path, text] of Object.entries(files)) {
      await Deno.mkdir(dirname(join(dir, path)), { recursive: true });
      await Deno.writeTextFile(join(dir, path), text);
    }
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function engines() {
  const duckdb = new RecordingEngine("duckdb");
  const postgres = new RecordingEngine("postgres");
  return { duckdb, postgres, options: { engines: { duckdb, postgres }, defaultEngine: "duckdb" } };
}

const FACT_ORDERS = `/*
key: marts.fact_orders
engine: postgres
group: warehouse
description: One row per order.
tags: [finance, tier=gold]
partitions: { daily: { start: "2026-01-01", timezone: UTC } }
deps: { gold.revenue_daily: { mapping: window, days: 3 } }
freshness: { maximum_lag_minutes: 60 }
retry: { max_attempts: 5 }
timeout_ms: 600000
materialized: incremental   # engine-specific
unique_key: order_id
tests: [{ not_null: order_id }]
*/
select o.*, r.revenue
from {{ ref('gold.revenue_daily') }} r
join ref('silver.orders_enriched') o using (order_date)
`;

Deno.test("loadSqlAssets() reads the header into the asset definition", async () => {
  const { options } = engines();
  await withSqlDir({ "marts/fact_orders.sql": FACT_ORDERS }, async (dir) => {
    const [asset] = await loadSqlAssets(dir, options);
    assert.equal(asset.key, "marts.fact_orders");
    assert.equal(asset.group, "warehouse");
    assert.equal(asset.description, "One row per order.");
    assert.deepEqual(asset.tags, ["finance", "tier=gold"]);
    assert.ok(asset.partitions instanceof DailyPartitions);
    assert.equal(asset.partitions.describe(), "daily from 2026-01-01 to today (UTC)");
    assert.deepEqual(asset.freshness, { maximumLagMinutes: 60 });
    assert.equal(asset.retry.maxAttempts, 5);
    assert.equal(asset.retry.initialDelayMs, 1_000, "unset retry fields keep the defaults");
    assert.equal(asset.timeoutMs, 600_000);
    assert.equal(asset.sql, FACT_ORDERS);
  });
});

Deno.test("loadSqlAssets() turns ref() calls into upstreams with the header's mappings", async () => {
  const { options } = engines();
  await withSqlDir({ "marts/fact_orders.sql": FACT_ORDERS }, async (dir) => {
    const [asset] = await loadSqlAssets(dir, options);
    assert.deepEqual(asset.deps.map((edge) => edge.key), [
      "gold.revenue_daily",
      "silver.orders_enriched",
    ]);
    assert.equal(asset.deps[0].mapping?.name, "window(3d)");
    assert.equal(asset.deps[1].mapping, undefined, "no header entry means the default mapping");
  });
});

Deno.test("loadSqlAssets() lists a ref used twice as one upstream", async () => {
  const { options } = engines();
  const sql = "select * from ref('a.x') union all select * from ref('a.x')";
  await withSqlDir({ "b/y.sql": sql }, async (dir) => {
    const [asset] = await loadSqlAssets(dir, options);
    assert.deepEqual(asset.deps.map((edge) => edge.key), ["a.x"]);
  });
});

Deno.test("loadSqlAssets() gives materialize to the header's engine with the parsed source", async () => {
  const { duckdb, postgres, options } = engines();
  await withSqlDir({ "marts/fact_orders.sql": FACT_ORDERS }, async (dir) => {
    const [asset] = await loadSqlAssets(dir, options);
    const ctx = { key: asset.key } as MaterializeContext;
    assert.deepEqual(await asset.materialize(ctx), { rows: 7 });
    assert.equal(duckdb.calls.length, 0);
    assert.equal(postgres.calls.length, 1);
    const { ctx: seen, source } = postgres.calls[0];
    assert.equal(seen, ctx);
    assert.equal(source.key, "marts.fact_orders");
    assert.equal(source.path, join(dir, "marts/fact_orders.sql"));
    assert.ok(source.body.startsWith("select o.*, r.revenue"), "the body starts after the header");
    assert.deepEqual(source.config, { materialized: "incremental", unique_key: "order_id" });
    assert.ok(Object.isFrozen(source.config));
    // Data tests belong to the runtime: they become the asset's checks.
    assert.deepEqual(asset.checks.map((c) => [c.name, c.severity]), [
      ["not_null(order_id)", "error"],
    ]);
    assert.deepEqual(source.refs.map((ref) => source.body.slice(ref.start, ref.end)), [
      "{{ ref('gold.revenue_daily') }}",
      "ref('silver.orders_enriched')",
    ]);
    assert.equal(
      source.render((key: AssetKey) => `gold_${key.replaceAll(".", "_")}`),
      "select o.*, r.revenue\nfrom gold_gold_revenue_daily r\njoin gold_silver_orders_enriched o using (order_date)\n",
    );
  });
});

Deno.test("loadSqlAssets() keys a file without a header by its path and uses the default engine", async () => {
  const { duckdb, options } = engines();
  await withSqlDir({ "silver/nested/users.sql": "select 1" }, async (dir) => {
    const [asset] = await loadSqlAssets(dir, options);
    assert.equal(asset.key, "silver.nested.users");
    assert.equal(asset.group, "silver");
    assert.equal(asset.deps.length, 0, "a file with no refs is a root asset");
    assert.equal(asset.partitions.kind, "unpartitioned");
    await asset.materialize({} as MaterializeContext);
    assert.equal(duckdb.calls[0].source.body, "select 1");
    assert.deepEqual(duckdb.calls[0].source.config, {});
  });
});

Deno.test("loadSqlAssets() reads every .sql file recursively in sorted order", async () => {
  const { options } = engines();
  const files = {
    "marts/b.sql": "select 1",
    "marts/a.sql": "select 1",
    "bronze/z.sql": "select 1",
    "bronze/deep/er/x.sql": "select 1",
    "notes.md": "not sql",
    "marts/readme.txt": "not sql",
  };
  await withSqlDir(files, async (dir) => {
    const assets = await loadSqlAssets(dir, options);
    assert.deepEqual(assets.map((asset) => asset.key), [
      "bronze.deep.er.x",
      "bronze.z",
      "marts.a",
      "marts.b",
    ]);
  });
});

Deno.test("loadSqlAssets() reads static partitions", async () => {
  const { options } = engines();
  await withSqlDir(
    { "a/b.sql": "/* partitions: { static: [eu, us] } */ select 1" },
    async (dir) => {
      const [asset] = await loadSqlAssets(dir, options);
      assert.ok(asset.partitions instanceof StaticPartitions);
      assert.deepEqual(asset.partitions.keys(), ["eu", "us"]);
    },
  );
});

Deno.test("loadSqlAssets() derives the code version from the SQL text", async () => {
  const { options } = engines();
  const files = { "a/one.sql": "select 1", "a/two.sql": "select 1", "a/three.sql": "select 2" };
  await withSqlDir(files, async (dir) => {
    const [one, three, two] = await loadSqlAssets(dir, options);
    assert.equal(one.codeVersion, two.codeVersion);
    assert.notEqual(one.codeVersion, three.codeVersion);
  });
});

Deno.test("loadSqlAssets() builds assets that load into a graph", async () => {
  const { options } = engines();
  const files = {
    "bronze/orders.sql": "select 1",
    "silver/orders.sql": "select * from ref('bronze.orders')",
    "gold/revenue.sql": "select * from ref('silver.orders') join ref('bronze.orders') using (id)",
  };
  await withSqlDir(files, async (dir) => {
    const graph = AssetGraph.build(await loadSqlAssets(dir, options));
    assert.deepEqual(graph.order, ["bronze.orders", "silver.orders", "gold.revenue"]);
    assert.deepEqual(graph.upstreamEdges("gold.revenue" as AssetKey).map((e) => e.upstream), [
      "silver.orders",
      "bronze.orders",
    ]);
  });
});

async function loadError(files: Record<string, string>): Promise<DefinitionError> {
  const { options } = engines();
  let caught: unknown;
  await withSqlDir(files, async (dir) => {
    try {
      await loadSqlAssets(dir, options);
    } catch (error) {
      caught = error;
    }
  });
  assert.ok(caught instanceof DefinitionError, `expected a DefinitionError, got ${caught}`);
  return caught;
}

Deno.test("loadSqlAssets() rejects a wrong type of a known field, naming file, field and expectation", async () => {
  const error = await loadError({ "a/b.sql": "/*\nretry: { max_attempts: three }\n*/ select 1" });
  assert.match(error.message, /a\/b\.sql/);
  assert.match(error.message, /'retry\.max_attempts' is "three": expected a number/);
});

Deno.test("loadSqlAssets() rejects bad partitions and dependency mappings", async () => {
  const weekly = await loadError({ "a/b.sql": "/* partitions: { weekly: {} } */ select 1" });
  assert.match(weekly.message, /'partitions'.*expected \{ daily/);
  const mapping = await loadError({
    "a/b.sql": "/* deps: { x.y: { mapping: hourly } } */ select * from ref('x.y')",
  });
  assert.match(
    mapping.message,
    /'deps\.x\.y\.mapping' is "hourly": expected identity, all, latest or window/,
  );
  const days = await loadError({
    "a/b.sql": "/* deps: { x.y: { mapping: window } } */ select * from ref('x.y')",
  });
  assert.match(days.message, /'deps\.x\.y\.days' is missing: expected a number/);
  const start = await loadError({
    "a/b.sql": "/* partitions: { daily: { start: '2026-02-30' } } */ select 1",
  });
  assert.match(start.message, /'2026-02-30'.*a\/b\.sql/);
});

Deno.test("loadSqlAssets() rejects a bad YAML header, naming the file and line", async () => {
  const error = await loadError({
    "a/b.sql": "\n/*\nkey: a.b\ntags: [x\nengine: duckdb\n*/\nselect 1",
  });
  assert.match(error.message, /Cannot read the YAML header of .*a\/b\.sql at line 5/);
});

Deno.test("loadSqlAssets() rejects a header that is prose rather than fields", async () => {
  const error = await loadError({ "a/b.sql": "/* Orders by day. */ select 1" });
  assert.match(error.message, /got "Orders by day\."; expected YAML fields/);
});

Deno.test("loadSqlAssets() rejects a header dependency the SQL does not ref()", async () => {
  const error = await loadError({
    "a/b.sql": "/* deps: { x.z: { mapping: all } } */ select * from ref('x.y')",
  });
  assert.match(
    error.message,
    /Cannot map dependency 'x\.z'.*does not ref\(\) it; expected one of x\.y/,
  );
});

Deno.test("loadSqlAssets() rejects an unknown engine and a bad key, naming the file", async () => {
  const engine = await loadError({ "a/b.sql": "/* engine: spark */ select 1" });
  assert.match(engine.message, /engine 'spark': expected one of duckdb, postgres/);
  const key = await loadError({ "a/Bad-Name.sql": "select 1" });
  assert.match(key.message, /'a\.Bad-Name'.*\(in .*a\/Bad-Name\.sql\)/);
});

Deno.test("loadSqlAssets() rejects an invalid ref key, naming the file", async () => {
  const error = await loadError({ "a/b.sql": "select 1\nfrom ref('x y')" });
  assert.match(error.message, /ref\('x y'\) at line 2 of .*a\/b\.sql/);
});

Deno.test("loadSqlAssets() rejects two files with the same key, naming both", async () => {
  const error = await loadError({ "a/b.sql": "select 1", "c/d.sql": "/* key: a.b */ select 1" });
  assert.match(error.message, /Asset 'a\.b' is defined by both .*a\/b\.sql and .*c\/d\.sql/);
});

Deno.test("loadSqlAssets() rejects a default engine it was not given", async () => {
  await assert.rejects(
    () => loadSqlAssets(".", { engines: {}, defaultEngine: "duckdb" }),
    /Cannot use 'duckdb' as the default SQL engine/,
  );
});

Deno.test("loadSqlAssets() rejects an unknown field inside a known one and lists the choices", async () => {
  const error = await loadError({ "a/b.sql": "/* retry: { max_attempt: 3 } */ select 1" });
  assert.match(
    error.message,
    /'retry' has unknown field 'max_attempt': expected max_attempts, initial_delay_ms/,
  );
});

Deno.test("loadSqlAssets() rejects a file of two statements or of none, naming the line", async () => {
  const two = await loadError({ "a/b.sql": "/* key: a.b */\nselect 1;\n\nselect 2;\n" });
  assert.match(
    two.message,
    /Cannot load SQL asset .*a\/b\.sql: line 4 starts a second statement after a ';'/,
  );
  const none = await loadError({ "a/b.sql": "/* key: a.b */\n-- nothing yet\n;" });
  assert.match(none.message, /a\/b\.sql: it holds no query after its header/);
});

Deno.test("a SQL asset's source locates an offset of its body as a line and column of the file", async () => {
  const { duckdb, options } = engines();
  const text = "/*\nkey: a.b\n*/\n\nselect x,\n       amout\nfrom t -- note\n;\n";
  await withSqlDir({ "a/b.sql": text }, async (dir) => {
    const [asset] = await loadSqlAssets(dir, options);
    await asset.materialize({} as MaterializeContext);
    const source = duckdb.calls[0].source;
    assert.deepEqual(source.locate(source.body.indexOf("amout")), { line: 6, column: 8 });
    assert.equal(source.query((key) => key).text, "select x,\n       amout\nfrom t");
  });
});
