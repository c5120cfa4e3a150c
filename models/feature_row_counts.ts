// What silver.orders_enriched files hold for the model, counted by DuckDB from the label and day
// columns alone: a step can tell it has nothing to train on without loading 25 features a row.
import type { DuckDb } from "../resources/duckdb/duckdb.ts";
import { parquetList } from "./feature_rows.ts";

/** Rows, fraud rows and the days that have rows, as readFeatureRows would return them. */
export interface FeatureRowCounts {
  readonly rows: number;
  readonly positives: number;
  /** The days (`YYYY-MM-DD`) holding at least one row, ascending. */
  readonly days: readonly string[];
}

/** The counts of `files` (silver.orders_enriched Parquet); zero when there are none. */
export async function countFeatureRows(
  db: DuckDb,
  files: readonly string[],
): Promise<FeatureRowCounts> {
  if (files.length === 0) return { rows: 0, positives: 0, days: [] };
  const perDay = await db.all<{ day: string; rows: number; positives: number }>(
    `SELECT CAST(event_date AS VARCHAR) AS day, count(*)::INTEGER AS rows,
            count(*) FILTER (WHERE is_fraud)::INTEGER AS positives
     FROM ${parquetList(files)} GROUP BY ALL ORDER BY day`,
  );
  let rows = 0;
  let positives = 0;
  for (const day of perDay) {
    rows += day.rows;
    positives += day.positives;
  }
  return { rows, positives, days: perDay.map((d) => d.day) };
}
