// An asset's columns as its materialization wrote them: names and types from the footer of the
// Parquet files at a lake location, so the asset page shows what the data holds, SQL or not.
import { join } from "node:path";
import { locationParts } from "../../runtime/definitions/part_set.ts";
import type { Lake } from "../../runtime/definitions/lake.ts";
import { type DuckDb, openDuckDb } from "../../resources/duckdb/duckdb.ts";
import { listFiles } from "../../resources/lake/lake_files.ts";
import type { ColumnView } from "./ui_data.ts";

/** Columns of the data at a pointer's location; none for a location holding no Parquet file. */
export interface ColumnReader {
  columnsAt(location: string): Promise<readonly ColumnView[]>;
  close(): void;
}

/**
 * Reads columns through one in-memory DuckDB opened on first use. A sealed location never
 * changes, so each location is read once; a part set is read from its first part (every part
 * of a set holds the same columns).
 */
export function parquetColumnReader(lake: Lake): ColumnReader {
  const known = new Map<string, Promise<readonly ColumnView[]>>();
  let db: Promise<DuckDb> | undefined;
  const read = async (location: string): Promise<readonly ColumnView[]> => {
    const uri = location.startsWith("parts:") ? locationParts(location)[0] : location;
    if (uri === undefined) return [];
    const dir = (await lake.open(uri)).dir;
    const file = (await listFiles(dir)).find((path) => path.endsWith(".parquet"));
    if (file === undefined) return [];
    db ??= openDuckDb({ threads: 1, memoryLimit: "256MB" });
    const rows = await (await db).all<{ column_name: string; column_type: string }>(
      "DESCRIBE SELECT * FROM read_parquet($1)",
      [join(dir, file)],
    );
    return rows.map((row) => ({ name: row.column_name, type: row.column_type }));
  };
  return {
    columnsAt(location) {
      let columns = known.get(location);
      if (!columns) {
        columns = read(location);
        known.set(location, columns);
        // A failed read (a location vacuumed meanwhile) is tried again next time.
        columns.catch(() => known.delete(location));
      }
      return columns;
    },
    close() {
      db?.then((opened) => opened.close(), () => {});
      db = undefined;
    },
  };
}
