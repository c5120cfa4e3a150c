// Reads the model's rows from silver.orders_enriched Parquet files with DuckDB: the 25 contract
// features as one row-major Float32Array (null → NaN), the label, and the order ids and days,
// ordered by day and order id so the same files always give the same rows.
import type { DuckDb } from "../resources/duckdb/duckdb.ts";
import { FEATURE_NAMES } from "./features.ts";
import { createTrainingData, type TrainingData } from "./training_data.ts";

/** Rows of silver.orders_enriched as models use them. */
export interface FeatureRows {
  readonly data: TrainingData;
  readonly orderIds: readonly string[];
  /** The order's day (event_date), `YYYY-MM-DD`. */
  readonly days: readonly string[];
  /**
   * One extra DOUBLE column per row when asked for (a baseline's score, joined by the caller's
   * SQL); empty otherwise.
   */
  readonly extra: Float64Array;
}

/** Options of readFeatureRows: extra SQL joined to the rows `o`. */
export interface FeatureRowsOptions {
  /** `LEFT JOIN ... x ON x.order_id = o.order_id`, with the joined relation aliased. */
  readonly join?: string;
  /** A DOUBLE expression over `o` and the join, read into `extra`. */
  readonly extra?: string;
}

/** Rows read per query: a month of orders stays well inside DuckDB's and V8's comfort. */
const CHUNK_ROWS = 50_000;

/** SQL of a Parquet file list, for `FROM`. */
export function parquetList(files: readonly string[]): string {
  return `read_parquet([${files.map((f) => `'${f.replaceAll("'", "''")}'`).join(", ")}])`;
}

/**
 * The rows of `files` (silver.orders_enriched Parquet), empty when there are none. The label is
 * is_fraud; the features are cast to DOUBLE and stored as float32, as the trainer and ONNX read them.
 */
export async function readFeatureRows(
  db: DuckDb,
  files: readonly string[],
  options: FeatureRowsOptions = {},
): Promise<FeatureRows> {
  if (files.length === 0) return emptyRows();
  const width = FEATURE_NAMES.length;
  const table = `model_rows_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const extraColumn = options.extra === undefined
    ? ""
    : `, CAST(${options.extra} AS DOUBLE) AS extra`;
  await db.run(
    `CREATE TEMP TABLE ${table} AS
     SELECT row_number() OVER (ORDER BY o.event_date, o.order_id) - 1 AS n,
            CAST(o.event_date AS VARCHAR) AS day, o.order_id, o.is_fraud,
            ${FEATURE_NAMES.map((name) => `CAST(o.${name} AS DOUBLE) AS ${name}`).join(", ")}
            ${extraColumn}
     FROM ${parquetList(files)} o ${options.join ?? ""}`,
  );
  try {
    const [{ total }] = await db.all<{ total: number }>(
      `SELECT count(*)::INTEGER AS total FROM ${table}`,
    );
    const features = new Float32Array(total * width);
    const labels = new Uint8Array(total);
    const extra = new Float64Array(options.extra === undefined ? 0 : total);
    const orderIds: string[] = [];
    const days: string[] = [];
    // Each column as one list per chunk: far fewer JS values than an object per row.
    const lists = [
      ...FEATURE_NAMES.map((name) => `list(${name} ORDER BY n) AS ${name}`),
      "list(order_id ORDER BY n) AS order_ids",
      "list(day ORDER BY n) AS days",
      "list(is_fraud ORDER BY n) AS labels",
      ...(options.extra === undefined ? [] : ["list(extra ORDER BY n) AS extra"]),
    ];
    for (let offset = 0; offset < total; offset += CHUNK_ROWS) {
      const [chunk] = await db.all<Record<string, (number | string | boolean | null)[]>>(
        `SELECT ${lists.join(", ")} FROM ${table}
         WHERE n >= ${offset} AND n < ${offset + CHUNK_ROWS}`,
      );
      const count = chunk.order_ids.length;
      FEATURE_NAMES.forEach((name, f) => {
        const values = chunk[name] as (number | null)[];
        for (let r = 0; r < count; r++) {
          const value = values[r];
          features[(offset + r) * width + f] = value === null ? NaN : value;
        }
      });
      for (let r = 0; r < count; r++) labels[offset + r] = chunk.labels[r] ? 1 : 0;
      if (options.extra !== undefined) {
        for (let r = 0; r < count; r++) extra[offset + r] = (chunk.extra[r] as number | null) ?? 0;
      }
      orderIds.push(...(chunk.order_ids as string[]));
      days.push(...(chunk.days as string[]));
    }
    return { data: createTrainingData({ features, labels }), orderIds, days, extra };
  } finally {
    await db.run(`DROP TABLE IF EXISTS ${table}`);
  }
}

function emptyRows(): FeatureRows {
  return {
    data: createTrainingData({ features: new Float32Array(0), labels: new Uint8Array(0) }),
    orderIds: [],
    days: [],
    extra: new Float64Array(0),
  };
}
