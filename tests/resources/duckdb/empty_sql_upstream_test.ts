// A ref to a SQL upstream none of whose partitions read has a file (a day with no refunds at
// all): the DuckDB engine renders it as that upstream's own query over empty inputs, so the
// reader sees no rows and exactly the columns the upstream would have written.
import assert from "node:assert/strict";
import { join } from "node:path";
import { openDuckDb } from "../../../resources/duckdb/duckdb.ts";
import { DATA_FILE, duckDbSqlEngine } from "../../../resources/duckdb/duckdb_sql_engine.ts";
import type { AssetKey } from "../../../runtime/definitions/asset_key.ts";
import type { MaterializeContext } from "../../../runtime/definitions/context.ts";
import type { PartitionKey } from "../../../runtime/partitions/partition_key.ts";
import { sqlAsset } from "../../../runtime/sql/sql_asset.ts";

const DAILY = `/*
partitions: { daily: { start: "2026-01-01" } }
*/
`;

function context(dir: string): MaterializeContext {
  const start = new Date("2026-01-02T00:00:00Z");
  return {
    key: "silver.y" as AssetKey,
    partition: "2026-01-02" as PartitionKey,
    window: { start, end: new Date(start.getTime() + 86_400_000) },
    inputByKey: () => [],
    input: () => [],
    resources: {},
    output: { uri: `file://${dir}`, dir },
  } as unknown as MaterializeContext;
}

Deno.test("duckdb engine renders a ref to a SQL upstream with no file as its query over empty inputs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sluice-empty-upstream-" });
  try {
    // Only bronze's columns are declared; staging's come from its own SQL.
    const engine = duckDbSqlEngine({
      schemaOf: (key) => key === "bronze.x" ? "payload VARCHAR, amount DECIMAL(18, 2)" : undefined,
    });
    const options = { engines: { duckdb: engine }, defaultEngine: "duckdb" };
    sqlAsset(
      "staging/x.sql",
      "staging/x.sql",
      DAILY + `SELECT upper(payload) AS p, amount * 2 AS doubled, DATE '{{ partition }}' AS day,
        count(*) OVER () AS n
        FROM {{ ref('bronze.x') }} -- a trailing comment
      `,
      options,
    );
    const reader = sqlAsset(
      "silver/y.sql",
      "silver/y.sql",
      DAILY + "SELECT * FROM {{ ref('staging.x') }}",
      options,
    );
    const result = await reader.materialize(context(dir));
    assert.equal(result.rows, 0);
    const db = await openDuckDb({ threads: 1 });
    try {
      const columns = await db.all<{ column_name: string; column_type: string }>(
        `DESCRIBE SELECT * FROM read_parquet('${join(dir, DATA_FILE)}')`,
      );
      assert.deepEqual(columns.map((c) => `${c.column_name} ${c.column_type}`), [
        "p VARCHAR",
        "doubled DECIMAL(18,2)",
        "day DATE",
        "n BIGINT",
      ]);
    } finally {
      db.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("duckdb engine still says what to declare when an upstream with no file has no known columns", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sluice-empty-upstream-" });
  try {
    const engine = duckDbSqlEngine();
    const reader = sqlAsset(
      "silver/y.sql",
      "silver/y.sql",
      DAILY + "SELECT * FROM ref('bronze.z')",
      {
        engines: { duckdb: engine },
        defaultEngine: "duckdb",
      },
    );
    await assert.rejects(
      reader.materialize(context(dir)),
      /Cannot render ref\('bronze.z'\) in silver\/y.sql for partition '2026-01-02': no upstream partition has a data.parquet and no schema is known for 'bronze.z'/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
