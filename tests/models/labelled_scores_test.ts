import assert from "node:assert/strict";
import { openDuckDb } from "../../resources/duckdb/duckdb.ts";
import { FEATURE_NAMES } from "../../models/features.ts";
import { parquetList, readFeatureRows } from "../../models/feature_rows.ts";
import { readLabelledScores } from "../../models/labelled_scores.ts";

Deno.test("readLabelledScores() gives the labels and scores readFeatureRows gives, in its order", async () => {
  const dir = await Deno.makeTempDir();
  const db = await openDuckDb({ threads: 1 });
  try {
    const files = [];
    for (const [day, ids] of [["2026-03-02", [9, 4]], ["2026-03-01", [3, 1, 2]]] as const) {
      const file = `${dir}/${day}.parquet`;
      await db.copyToParquet(
        `SELECT DATE '${day}' AS event_date, 'ord_' || i AS order_id,
                ${FEATURE_NAMES.map((name) => `i AS ${name}`).join(", ")}, i % 2 = 1 AS is_fraud
         FROM (SELECT unnest([${ids.join(", ")}]) AS i)`,
        file,
      );
      files.push(file);
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
