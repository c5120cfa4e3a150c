// Many bronze parts of one day into one: accepted rows in Kafka partition and offset order, and
// the quarantine likewise. Used by the ingester's compaction and by bronze's own rewrite.
import { join } from "node:path";
import type { DuckDb } from "../../resources/duckdb/duckdb.ts";
import { emptyRelation } from "../../resources/duckdb/duckdb_sql_engine.ts";
import {
  BRONZE_COLUMNS,
  BRONZE_FILE,
  REJECTED_COLUMNS,
  REJECTED_FILE,
} from "../landing/day_ingest.ts";

export interface MergedPart {
  readonly rows: number;
  readonly rejected: number;
}

/** Writes data.parquet and rejected.parquet into `outputDir` from the parts in `partDirs`. */
export async function mergeParts(
  db: DuckDb,
  partDirs: readonly string[],
  outputDir: string,
): Promise<MergedPart> {
  const files = (name: string) => partDirs.map((dir) => sqlString(join(dir, name))).join(", ");
  await db.run("SET preserve_insertion_order = true");
  const rows = await db.copyToParquet(
    partDirs.length === 0
      ? `SELECT * FROM ${emptyRelation(BRONZE_COLUMNS)}`
      : `SELECT * FROM read_parquet([${files(BRONZE_FILE)}]) ORDER BY _partition, _offset`,
    join(outputDir, BRONZE_FILE),
  );
  const rejected = await db.copyToParquet(
    partDirs.length === 0
      ? `SELECT * FROM ${emptyRelation(REJECTED_COLUMNS)}`
      : `SELECT * FROM read_parquet([${files(REJECTED_FILE)}]) ORDER BY partition, "offset"`,
    join(outputDir, REJECTED_FILE),
  );
  return { rows, rejected };
}

function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
