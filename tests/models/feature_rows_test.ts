import assert from "node:assert/strict";
import { type DuckDb, openDuckDb } from "../../resources/duckdb/duckdb.ts";
import { FEATURE_NAMES } from "../../models/features.ts";
import { parquetList, readFeatureRows } from "../../models/feature_rows.ts";
import { writeSilverDay } from "./_silver_days.ts";

/** A silver-shaped day whose feature f is id + f/100, feature 15 null for id 2, ids descending. */
function writeDay(db: DuckDb, dir: string, day: string, ids: readonly number[]): Promise<string> {
  return writeSilverDay(db, dir, day, ids, {
    feature: (name, f) =>
      f === 15
        ? `CASE WHEN i = 2 THEN NULL ELSE i + ${f / 100} END AS ${name}`
        : `i + ${f / 100} AS ${name}`,
    orderBy: "ORDER BY i DESC",
  });
}

Deno.test("readFeatureRows() reads features in contract order, by day and order id, null as NaN", async () => {
  const dir = await Deno.makeTempDir();
  const db = await openDuckDb({ threads: 1 });
  try {
    const later = await writeDay(db, dir, "2026-03-02", [3, 4]);
    const earlier = await writeDay(db, dir, "2026-03-01", [1, 2]);
    const rows = await readFeatureRows(db, [later, earlier]);
    assert.deepEqual(rows.orderIds, ["ord_1", "ord_2", "ord_3", "ord_4"]);
    assert.deepEqual(rows.days, ["2026-03-01", "2026-03-01", "2026-03-02", "2026-03-02"]);
    assert.deepEqual([...rows.data.labels], [1, 0, 1, 0]);
    const width = FEATURE_NAMES.length;
    assert.equal(rows.data.featureCount, width);
    assert.equal(rows.data.features[0 * width + 0], 1);
    assert.equal(rows.data.features[3 * width + 24], Math.fround(4.24));
    assert.ok(Number.isNaN(rows.data.features[1 * width + 15]), "a null feature reads as NaN");
    assert.equal(rows.extra.length, 0);
  } finally {
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readFeatureRows() joins an extra score per row, and reads no files as no rows", async () => {
  const dir = await Deno.makeTempDir();
  const db = await openDuckDb({ threads: 1 });
  try {
    const day = await writeDay(db, dir, "2026-03-01", [1, 2, 3]);
    const alerts = `${dir}/alerts.parquet`;
    await db.copyToParquet("SELECT 'ord_2' AS order_id, 0.75 AS score", alerts);
    const rows = await readFeatureRows(db, [day], {
      join: `LEFT JOIN ${parquetList([alerts])} a ON a.order_id = o.order_id`,
      extra: "coalesce(a.score, 0)",
    });
    assert.deepEqual([...rows.extra], [0, 0.75, 0]);
    const none = await readFeatureRows(db, []);
    assert.equal(none.data.rows, 0);
    assert.deepEqual(none.orderIds, []);
  } finally {
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
});
