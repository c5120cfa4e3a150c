// The DuckDB SQL engine against a real DuckDB: refs become read_parquet over the upstream
// files (or a typed empty relation), placeholders take the partition, output is reproducible.
import assert from "node:assert/strict";
import { join } from "node:path";
import { DuckDbError, openDuckDb } from "../../../resources/duckdb/duckdb.ts";
import { SqlError } from "../../../runtime/errors.ts";
import { DATA_FILE, duckDbSqlEngine } from "../../../resources/duckdb/duckdb_sql_engine.ts";
import type { AssetKey } from "../../../runtime/definitions/asset_key.ts";
import type {
  MaterializeContext,
  UpstreamPartition,
} from "../../../runtime/definitions/context.ts";
import type { PartitionKey } from "../../../runtime/partitions/partition_key.ts";
import { sqlAsset } from "../../../runtime/sql/sql_asset.ts";
import type { DataVersion } from "../../../runtime/definitions/version.ts";
import { createLogger } from "../../../runtime/logger.ts";
import { SQL_FORMS } from "../../support/sql_forms.ts";

const silent = createLogger([], "error");

const DAILY = `/*
partitions: { daily: { start: "2026-01-01" } }
deps: { bronze.x: { mapping: window, days: 3 } }
*/
`;

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "sluice-engine-" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** An upstream partition whose data.parquet holds the rows of `select`. */
async function upstream(
  dir: string,
  partition: string,
  select: string,
): Promise<UpstreamPartition> {
  const location = join(dir, `up-${partition}`);
  await Deno.mkdir(location);
  const db = await openDuckDb({ threads: 1 });
  await db.copyToParquet(select, join(location, DATA_FILE));
  db.close();
  return {
    key: "bronze.x" as AssetKey,
    partition: partition as PartitionKey,
    dataVersion: `v-${partition}` as DataVersion,
    parts: [{ uri: `file://${location}`, dir: location }],
  };
}

function context(dir: string, partition: string, inputs: UpstreamPartition[]): MaterializeContext {
  const start = new Date(`${partition}T00:00:00Z`);
  return {
    key: "silver.y" as AssetKey,
    partition: partition as PartitionKey,
    window: { start, end: new Date(start.getTime() + 86_400_000) },
    inputByKey: () => inputs,
    input: () => inputs,
    resources: {},
    output: { uri: `file://${dir}`, dir },
  } as unknown as MaterializeContext;
}

async function run(sql: string, ctx: MaterializeContext, schema?: string) {
  const engine = duckDbSqlEngine({ schemaOf: () => schema, open: { threads: 2 } });
  const asset = sqlAsset("silver/y.sql", "silver/y.sql", sql, {
    engines: { duckdb: engine },
    defaultEngine: "duckdb",
  });
  const result = await asset.materialize(ctx);
  const db = await openDuckDb({ threads: 1 });
  const rows = await db.all(`SELECT * FROM read_parquet(?)`, [join(ctx.output.dir, DATA_FILE)]);
  db.close();
  return { result, rows, asset };
}

Deno.test("duckdb engine reads every upstream partition of a ref and substitutes the partition", async () => {
  await withDir(async (dir) => {
    const inputs = [
      await upstream(dir, "2026-01-01", "SELECT 1 AS n, TIMESTAMPTZ '2026-01-01 10:00:00Z' AS ts"),
      await upstream(dir, "2026-01-02", "SELECT 2 AS n, TIMESTAMPTZ '2026-01-02 10:00:00Z' AS ts"),
    ];
    const out = join(dir, "out");
    await Deno.mkdir(out);
    const { result, rows } = await run(
      DAILY + `SELECT n, '{{ partition }}' AS day FROM {{ ref('bronze.x') }}
        WHERE ts < TIMESTAMPTZ '{{ partition_end }}' AND ts >= TIMESTAMPTZ '{{ partition_start }}' - INTERVAL 1 DAY
        ORDER BY n`,
      context(out, "2026-01-02", inputs),
    );
    assert.equal(result.rows, 2);
    assert.deepEqual(rows, [{ n: 1, day: "2026-01-02" }, { n: 2, day: "2026-01-02" }]);
  });
});

Deno.test("duckdb engine renders a ref without files as an empty relation of the known columns", async () => {
  await withDir(async (dir) => {
    const { result, rows } = await run(
      DAILY + "SELECT count(*) AS n, max(payload) AS p FROM ref('bronze.x')",
      context(dir, "2026-01-01", []),
      "payload VARCHAR, amount DECIMAL(18, 2)",
    );
    assert.equal(result.rows, 1);
    assert.deepEqual(rows, [{ n: 0, p: null }]);
  });
});

Deno.test("duckdb engine says what to do when a ref has no files and no known columns", async () => {
  await withDir(async (dir) => {
    await assert.rejects(
      run(DAILY + "SELECT * FROM ref('bronze.x')", context(dir, "2026-01-01", [])),
      /Cannot render ref\('bronze.x'\).*declare its columns in the engine's schemaOf option/,
    );
  });
});

Deno.test("duckdb engine rejects an unknown placeholder and names the known ones", async () => {
  await withDir(async (dir) => {
    await assert.rejects(
      run(
        DAILY + "SELECT '{{ ds }}' FROM ref('bronze.x')",
        context(dir, "2026-01-01", []),
        "a INT",
      ),
      /Cannot render \{\{ ds \}\}.*expected one of \{\{ partition \}\}/,
    );
  });
});

// DECIMAL, as the pipeline's money columns: a parallel sum of DOUBLEs depends on thread timing
// in its last bits, so only exact types can promise the same bytes (and data version) twice.
Deno.test("duckdb engine writes byte-identical Parquet for the same inputs", async () => {
  await withDir(async (dir) => {
    const inputs = [
      await upstream(
        dir,
        "2026-01-01",
        "SELECT i, hash(i) % 1000 AS k, CAST((hash(i) % 100000) / 7.0 AS DECIMAL(18, 4)) AS v " +
          "FROM range(300000) t(i)",
      ),
    ];
    const sql = DAILY + `SELECT k, count(*) AS n, sum(v) AS s, avg(v) AS a,
      quantile_cont(v, 0.95) AS p FROM ref('bronze.x') GROUP BY k ORDER BY k`;
    const digests = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const out = join(dir, `out-${i}`);
      await Deno.mkdir(out);
      await run(sql, context(out, "2026-01-01", inputs));
      const bytes = await Deno.readFile(join(out, DATA_FILE));
      digests.add(Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))).join());
    }
    assert.equal(digests.size, 1);
  });
});

Deno.test("duckdb engine runs a SQL file in every valid form, data tests and --sql included", async () => {
  await withDir(async (dir) => {
    const inputs = [await upstream(dir, "2026-01-01", "SELECT unnest([2, 1]) AS n")];
    for (const [i, form] of SQL_FORMS.entries()) {
      const out = join(dir, `out-${i}`);
      await Deno.mkdir(out);
      // A custom test's SQL may end in a semicolon and a note too (not in `*/`: the header is
      // a block comment).
      const header = DAILY.replace(
        "*/",
        `tests:\n  - name: no_negative\n    sql: "SELECT * FROM {{ this }} WHERE n < 0; -- none"\n*/`,
      );
      const text = header + form.dress("SELECT n FROM ref('bronze.x') ORDER BY n");
      const ctx = context(out, "2026-01-01", inputs);
      const { rows, asset } = await run(text, ctx);
      assert.deepEqual(rows, [{ n: 1 }, { n: 2 }], form.name);
      const [check] = asset.checks;
      const outcome = await check.run({ ...ctx, metadata: {}, now: new Date(), log: silent });
      assert.deepEqual(outcome, { passed: true, message: "no failing rows" }, form.name);
      assert.match(asset.renderSql!(), /read_parquet\(<data\.parquet of each input partition/);
    }
  });
});

Deno.test("duckdb engine names the file, line and column of a bad column, past a rendered ref", async () => {
  await withDir(async (dir) => {
    const inputs = [await upstream(dir, "2026-01-01", "SELECT 1 AS amount, 'é' AS note")];
    // Line 6, column 5 of the file: the header takes lines 1-4; é and the longer rendered ref
    // (read_parquet of a temp path) come before it, so offsets must be mapped, not counted.
    const text = DAILY + "SELECT note, 'é' AS e,\n    amout\nFROM {{ ref('bronze.x') }} -- note\n";
    const error = await run(text, context(dir, "2026-01-01", inputs)).catch((e) => e);
    assert.ok(error instanceof SqlError, String(error));
    assert.equal(
      error.message,
      'silver/y.sql:6:5: Binder Error: Referenced column "amout" not found in FROM clause! ' +
        'Candidate bindings: "amount"',
    );
    assert.deepEqual(error.position, { line: 6, column: 5 });
    assert.ok(error.cause instanceof DuckDbError);
  });
});

Deno.test("duckdb engine points a parse error at the end of the file's query", async () => {
  await withDir(async (dir) => {
    const error = await run(
      '/*\npartitions: { daily: { start: "2026-01-01" } }\n*/\nSELECT 1 +\n-- forgot the rest\n',
      context(dir, "2026-01-01", []),
    ).catch((e) => e);
    assert.ok(error instanceof SqlError, String(error));
    assert.match(error.message, /^silver\/y\.sql:4:10: Parser Error: syntax error at or near "\)"/);
  });
});

Deno.test("duckdb engine opens its database with the application's DuckDB settings over its own", async () => {
  await withDir(async (dir) => {
    const ctx = context(dir, "2026-01-02", []);
    const withSettings = {
      ...ctx,
      resources: { duckdbOptions: { threads: 1, memoryLimit: "256MB" } },
    } as unknown as MaterializeContext;
    const { rows } = await run(
      `/*\npartitions: { daily: { start: "2026-01-01" } }\n*/\n` +
        `SELECT current_setting('threads') AS threads, ` +
        `current_setting('memory_limit') AS memory_limit`,
      withSettings,
    );
    assert.deepEqual(rows, [{ threads: 1, memory_limit: "244.1 MiB" }]);
  });
});
