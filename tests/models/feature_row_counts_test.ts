import assert from "node:assert/strict";
import { openDuckDb } from "../../resources/duckdb/duckdb.ts";
import { FEATURE_NAMES } from "../../models/features.ts";
import { countFeatureRows } from "../../models/feature_row_counts.ts";
import { readFeatureRows } from "../../models/feature_rows.ts";

/** A silver-shaped file of `ids` on `day`; odd ids are fraud. */
async function writeDay(
  db: Awaited<ReturnType<typeof openDuckDb>>,
  dir: string,
  day: string,
  ids: readonly number[],
): Promise<string> {
  const file = `${dir}/${day}.parquet`;
  await db.copyToParquet(
    `SELECT DATE '${day}' AS event_date, 'ord_' || i AS order_id,
            ${FEATURE_NAMES.map((name) => `i AS ${name}`).join(", ")}, i % 2 = 1 AS is_fraud
     FROM (SELECT unnest([${ids.join(", ")}]) AS i)`,
    file,
  );
  return file;
}

Deno.test("countFeatureRows() counts the rows, fraud rows and days readFeatureRows would read", async () => {
  const dir = await Deno.makeTempDir();
  const db = await openDuckDb({ threads: 1 });
  try {
    const files = [
      await writeDay(db, dir, "2026-03-02", [4, 5, 7]),
      await writeDay(db, dir, "2026-03-01", [1, 2]),
    ];
    const counts = await countFeatureRows(db, files);
    const rows = await readFeatureRows(db, files);
    assert.deepEqual(counts, {
      rows: rows.data.rows,
      positives: rows.data.labels.reduce((a, b) => a + b, 0),
      days: [...new Set(rows.days)],
    });
    assert.deepEqual(counts, { rows: 5, positives: 3, days: ["2026-03-01", "2026-03-02"] });
  } finally {
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("countFeatureRows() of no files is zero rows on no days", async () => {
  const db = await openDuckDb({ threads: 1 });
  try {
    assert.deepEqual(await countFeatureRows(db, []), { rows: 0, positives: 0, days: [] });
  } finally {
    db.close();
  }
});
