import assert from "node:assert/strict";
import { openDuckDb } from "../../resources/duckdb/duckdb.ts";
import { parquetList, readFeatureRows } from "../../models/feature_rows.ts";
import { readLabelledScores } from "../../models/labelled_scores.ts";
import { writeSilverDay } from "./_silver_days.ts";

Deno.test("readLabelledScores() gives the labels and scores readFeatureRows gives, in its order", async () => {
  const dir = await Deno.makeTempDir();
  const db = await openDuckDb({ threads: 1 });
  try {
    const files = [];
    for (const [day, ids] of [["2026-03-02", [9, 4]], ["2026-03-01", [3, 1, 2]]] as const) {
      files.push(await writeSilverDay(db, dir, day, ids));
    }
    const alerts = `${dir}/alerts.parquet`;
    await db.copyToParquet(
      "SELECT * FROM (VALUES ('ord_2', 0.75), ('ord_9', NULL), ('ord_3', 0.5)) t(order_id, score)",
      alerts,
    );
    const options = {
      join: `LEFT JOIN ${parquetList([alerts])} a ON a.order_id = o.order_id`,
      extra: "coalesce(a.score, 0)",
    };
    const scored = await readLabelledScores(db, files, options);
    const rows = await readFeatureRows(db, files, options);
    assert.deepEqual([...scored.labels], [...rows.data.labels]);
    assert.deepEqual([...scored.scores], [...rows.extra]);
    // ord_1, ord_2, ord_3 on the first day, then ord_4, ord_9.
    assert.deepEqual([...scored.scores], [0, 0.75, 0.5, 0, 0]);
    assert.deepEqual([...scored.labels], [1, 0, 1, 0, 1]);
  } finally {
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readLabelledScores() of no files is no rows", async () => {
  const db = await openDuckDb({ threads: 1 });
  try {
    const scored = await readLabelledScores(db, [], { extra: "0" });
    assert.deepEqual([scored.labels.length, scored.scores.length], [0, 0]);
  } finally {
    db.close();
  }
});
