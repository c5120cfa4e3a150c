// A baseline's scores beside the labels of silver.orders_enriched rows, without their features:
// what the rules baseline needs on a validation day when no model is trained to compare.
import type { DuckDb } from "../resources/duckdb/duckdb.ts";
import { type FeatureRowsOptions, parquetList } from "./feature_rows.ts";

/** The labels (1 for fraud) and a DOUBLE score per row, in readFeatureRows' row order. */
export interface LabelledScores {
  readonly labels: Uint8Array;
  readonly scores: Float64Array;
}

/**
 * The rows of `files` in readFeatureRows' order (day, then order id) with `options.extra` as
 * the score, a DOUBLE expression over `o` and `options.join` (null reads as 0, as in
 * readFeatureRows).
 */
export async function readLabelledScores(
  db: DuckDb,
  files: readonly string[],
  options: FeatureRowsOptions & { readonly extra: string },
): Promise<LabelledScores> {
  if (files.length === 0) return { labels: new Uint8Array(0), scores: new Float64Array(0) };
  // One row of two lists: two JS arrays instead of an object per order.
  const [result] = await db.all<
    { labels: (boolean | null)[] | null; scores: (number | null)[] | null }
  >(
    `SELECT list(o.is_fraud ORDER BY o.event_date, o.order_id) AS labels,
            list(CAST(${options.extra} AS DOUBLE) ORDER BY o.event_date, o.order_id) AS scores
     FROM ${parquetList(files)} o ${options.join ?? ""}`,
  );
  const labelList = result?.labels ?? [];
  const scoreList = result?.scores ?? [];
  const labels = new Uint8Array(labelList.length);
  const scores = new Float64Array(labelList.length);
  for (let i = 0; i < labelList.length; i++) {
    labels[i] = labelList[i] ? 1 : 0;
    scores[i] = scoreList[i] ?? 0;
  }
  return { labels, scores };
}
