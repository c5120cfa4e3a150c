import assert from "node:assert/strict";
import { openDuckDb } from "../../resources/duckdb/duckdb.ts";
import { countFeatureRows } from "../../models/feature_row_counts.ts";
import { readFeatureRows } from "../../models/feature_rows.ts";
import { writeSilverDay as writeDay } from "./_silver_days.ts";

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
