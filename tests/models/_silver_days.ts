// Silver-shaped Parquet days for the tests of the model's readers: one row per id on a day, its
// order id `ord_<id>`, every contract feature and the label (odd ids are fraud).
import type { DuckDb } from "../../resources/duckdb/duckdb.ts";
import { FEATURE_NAMES } from "../../models/features.ts";

export interface SilverDayOptions {
  /** The SQL of feature `name` (column `f` of the contract) from the row's id `i`; default `i`. */
  readonly feature?: (name: string, f: number) => string;
  /** The rows' order in the file, e.g. "ORDER BY i DESC"; default the ids' order. */
  readonly orderBy?: string;
}

/** Writes `<dir>/<day>.parquet` with a row for each of `ids`; returns its path. */
export async function writeSilverDay(
  db: DuckDb,
  dir: string,
  day: string,
  ids: readonly number[],
  options: SilverDayOptions = {},
): Promise<string> {
  const feature = options.feature ?? ((name) => `i AS ${name}`);
  const file = `${dir}/${day}.parquet`;
  await db.copyToParquet(
    `SELECT DATE '${day}' AS event_date, 'ord_' || i AS order_id,
            ${FEATURE_NAMES.map(feature).join(", ")}, i % 2 = 1 AS is_fraud
     FROM (SELECT unnest([${ids.join(", ")}]) AS i) ${options.orderBy ?? ""}`,
    file,
  );
  return file;
}
