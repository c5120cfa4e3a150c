// Publishing lake partitions into the warehouse: exact types, indexes, replace-by-partition, and
// on a real Postgres server a reader during the load sees the old or the new partition only.
import assert from "node:assert/strict";
import postgres from "postgres";
import type { PartitionKey } from "../../../runtime/partitions/partition_key.ts";
import type { SqlClient } from "../../../runtime/sql_client.ts";
import { type DuckDb, openDuckDb } from "../../../resources/duckdb/duckdb.ts";
import { openPgliteClient } from "../../../resources/postgres/pglite_client.ts";
import { openPostgresClient } from "../../../resources/postgres/postgres_client.ts";
import { publishPartition } from "../../../resources/warehouse/publish_partition.ts";
import { createFreshDatabase, needsPostgres } from "../../support/services.ts";

/** Writes `rows` generated rows for `day` to a Parquet file and returns its path. */
async function parquetOf(duckdb: DuckDb, dir: string, day: string, rows: number, salt = 0) {
  const file = `${dir}/${day}-${rows}-${salt}.parquet`;
  await duckdb.run(
    `COPY (SELECT
       'o' || i AS order_id,
       CAST((i % 1000) + 0.01 * ((i + ${salt}) % 100) AS DECIMAL(18, 2)) AS amount,
       TIMESTAMPTZ '${day} 00:00:00+00' + to_seconds(i % 86400) AS ordered_at,
       i % 7 = 0 AS is_fraud,
       CASE WHEN i % 5 = 0 THEN NULL ELSE 'EUR' END AS currency,
       CASE WHEN i % 3 = 0 THEN ['velocity', 'night_time'] ELSE [] END AS rules,
       CAST(i AS DOUBLE) / 3 AS ratio
     FROM range(${rows}) t(i)) TO '${file}' (FORMAT parquet)`,
  );
  return file;
}

async function publish(
  duckdb: DuckDb,
  warehouse: SqlClient,
  file: string,
  partition: string,
  workDir: string,
) {
  const result = await publishPartition({
    duckdb,
    warehouse,
    table: `"gold"."orders"`,
    schema: "gold",
    parquetFiles: file === undefined ? [] : [file],
    partition: partition as PartitionKey,
    workDir,
    keyColumns: ["order_id"],
  });
  await warehouse.transaction((tx) => result.inCommit!(tx));
  return result.rows;
}

Deno.test("publishing maps types exactly, indexes the table and replaces a partition", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sluice-publish-" });
  const duckdb = await openDuckDb();
  const db = await openPgliteClient(":memory:");
  try {
    const day1 = await parquetOf(duckdb, dir, "2026-11-21", 300);
    const day2 = await parquetOf(duckdb, dir, "2026-11-22", 200);
    assert.equal(await publish(duckdb, db, day1, "2026-11-21", dir), 300);
    assert.equal(await publish(duckdb, db, day2, "2026-11-22", dir), 200);

    const types = await db.query<{ attname: string; type: string }>(
      `select attname, format_type(atttypid, atttypmod) as type from pg_attribute
       where attrelid = 'gold.orders'::regclass and attnum > 0 order by attnum`,
    );
    assert.deepEqual(types.map((t) => `${t.attname} ${t.type}`), [
      "_partition text",
      "order_id text",
      "amount numeric(18,2)",
      "ordered_at timestamp with time zone",
      "is_fraud boolean",
      "currency text",
      "rules jsonb",
      "ratio double precision",
    ]);
    const indexes = await db.query<{ indexdef: string }>(
      `select indexdef from pg_indexes where schemaname = 'gold' and tablename = 'orders'`,
    );
    assert.ok(indexes.some((i) => i.indexdef.includes("(_partition)")));
    assert.ok(indexes.some((i) => i.indexdef.includes("(order_id)")));

    // Values arrive exactly: cents, instants, NULL versus empty, nested lists as JSON.
    const [o3] = await db.query<Record<string, unknown>>(
      `select amount::text as amount, ordered_at, is_fraud, currency, rules, ratio
       from gold.orders where _partition = '2026-11-21' and order_id = 'o3'`,
    );
    assert.deepEqual(o3, {
      amount: "3.03",
      ordered_at: new Date("2026-11-21T00:00:03Z"),
      is_fraud: false,
      currency: "EUR",
      rules: ["velocity", "night_time"],
      ratio: 1,
    });
    const [o5] = await db.query<{ currency: string | null }>(
      `select currency from gold.orders where _partition = '2026-11-21' and order_id = 'o5'`,
    );
    assert.equal(o5.currency, null);
    const [exact] = await duckdb.all<{ total: string }>(
      `SELECT CAST(sum(amount) AS VARCHAR) AS total FROM read_parquet('${day1}')`,
    );
    const [loaded] = await db.query<{ total: string }>(
      `select sum(amount)::text as total from gold.orders where _partition = '2026-11-21'`,
    );
    assert.equal(loaded.total, exact.total);

    // Republishing day 1 with 120 rows replaces exactly that partition.
    const smaller = await parquetOf(duckdb, dir, "2026-11-21", 120, 1);
    await publish(duckdb, db, smaller, "2026-11-21", dir);
    const counts = await db.query<{ _partition: string; n: number }>(
      `select _partition, count(*)::int as n from gold.orders group by 1 order by 1`,
    );
    assert.deepEqual(counts, [{ _partition: "2026-11-21", n: 120 }, {
      _partition: "2026-11-22",
      n: 200,
    }]);
  } finally {
    duckdb.close();
    await db.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "a reader during a partition replace on Postgres sees the old or the new rows, never a mix",
  ...needsPostgres(),
  async fn() {
    const database = await createFreshDatabase();
    const dir = await Deno.makeTempDir({ prefix: "sluice-publish-" });
    const duckdb = await openDuckDb();
    const warehouse = await openPostgresClient(database.url);
    const reader = postgres(database.url, { max: 1, onnotice: () => {} });
    try {
      const old = await parquetOf(duckdb, dir, "2026-11-22", 60_000);
      const next = await parquetOf(duckdb, dir, "2026-11-22", 40_000, 1);
      await publish(duckdb, warehouse, old, "2026-11-22", dir);
      let loading = true;
      const seen = new Set<number>();
      const reading = (async () => {
        while (loading) {
          const [{ n }] = await reader`
            select count(*)::int as n from gold.orders where _partition = '2026-11-22'`;
          seen.add(n);
        }
      })();
      await publish(duckdb, warehouse, next, "2026-11-22", dir);
      loading = false;
      await reading;
      assert.ok(seen.size >= 1);
      for (const n of seen) assert.ok(n === 60_000 || n === 40_000, `a reader saw ${n} rows`);
      const [{ n }] = await reader`select count(*)::int as n from gold.orders`;
      assert.equal(n, 40_000);
    } finally {
      await reader.end();
      await warehouse.close();
      duckdb.close();
      await Deno.remove(dir, { recursive: true });
      await database.drop();
    }
  },
});
