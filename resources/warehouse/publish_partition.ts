// Publishes one lake partition (a Parquet file) into a warehouse table: DuckDB writes CSV, COPY
// loads it, and the partition's old rows are deleted in the same transaction that moves the
// pointer, so a reader sees the old partition or the new one, never a mix.
import { join } from "node:path";
import type { MaterializeResult } from "../../runtime/definitions/context.ts";
import { SluiceError } from "../../runtime/errors.ts";
import type { PartitionKey } from "../../runtime/partitions/partition_key.ts";
import { type AppTransaction, quoteIdent, type SqlClient } from "../../runtime/sql_client.ts";
import type { DuckDb } from "../duckdb/duckdb.ts";
import { columnDdl, type WarehouseColumn, warehouseColumn } from "./warehouse_types.ts";

/** The column every published table carries: the Sluice partition its rows came from. */
export const PARTITION_COLUMN = "_partition";

export interface PublishRequest {
  readonly duckdb: DuckDb;
  readonly warehouse: SqlClient;
  /** `"gold"."revenue_daily"`, already quoted. */
  readonly table: string;
  readonly schema: string;
  /** The Parquet file of the upstream partition; undefined publishes an empty partition. */
  /** The partition's Parquet files (several for a part set); none for an empty partition. */
  readonly parquetFiles: readonly string[];
  readonly partition: PartitionKey;
  /** Where the CSV goes while it waits for the commit (the attempt's own lake location). */
  readonly workDir: string;
  /** Columns to index besides the partition column (the table's natural key). */
  readonly keyColumns: readonly string[];
}

/** Prepares the load and returns the commit work; the table is created here if missing. */
export async function publishPartition(request: PublishRequest): Promise<MaterializeResult> {
  const { duckdb, warehouse, table, partition } = request;
  if (request.parquetFiles.length === 0) {
    await Deno.writeTextFile(
      join(request.workDir, "published.json"),
      JSON.stringify({ table, partition, rows: 0 }),
    );
    return {
      rows: 0,
      metadata: { table, copied: 0 },
      inCommit: (tx) => deletePartition(tx, table, partition),
    };
  }
  const source = `read_parquet([${
    request.parquetFiles.map((file) => `'${file.replaceAll("'", "''")}'`).join(", ")
  }])`;
  const described = await duckdb.all<{ column_name: string; column_type: string }>(
    `DESCRIBE SELECT * FROM ${source}`,
  );
  const columns = [
    { name: PARTITION_COLUMN, pgType: "text", select: `'${partition}' AS ${PARTITION_COLUMN}` },
    ...described.map((c) => warehouseColumn(c.column_name, c.column_type)),
  ];
  await ensureTable(warehouse, request.schema, table, columns, request.keyColumns);
  const csv = join(request.workDir, "rows.csv");
  await duckdb.run(
    `COPY (SELECT ${columns.map((c) => c.select).join(", ")} FROM ${source}) ` +
      `TO '${csv.replaceAll("'", "''")}' (FORMAT csv, HEADER true)`,
  );
  const rows = await countRows(duckdb, source);
  await Deno.writeTextFile(
    join(request.workDir, "published.json"),
    JSON.stringify({ table, partition, rows, columns: columns.map((c) => c.name) }),
  );
  return {
    rows,
    metadata: { table, copied: rows },
    inCommit: async (tx) => {
      await deletePartition(tx, table, partition);
      await tx.copyFromCsv(table, columns.map((c) => c.name), csv);
      // Fresh statistics commit with the rows, so the marts that read them get sound plans.
      await tx.exec(`analyze ${table}`);
      // The rows now live in the warehouse; the CSV was only their way in.
      await Deno.remove(csv);
    },
  };
}

async function countRows(duckdb: DuckDb, source: string): Promise<number> {
  const [{ n }] = await duckdb.all<{ n: number }>(`SELECT count(*) AS n FROM ${source}`);
  return Number(n);
}

async function deletePartition(tx: AppTransaction, table: string, partition: PartitionKey) {
  await tx.query(`delete from ${table} where ${PARTITION_COLUMN} = $1`, [partition]).catch(
    (error) => {
      // Nothing was ever published: there is nothing to replace.
      if ((error as { code?: string }).code === "42P01") return [];
      throw error;
    },
  );
}

/**
 * Creates the table and its indexes when missing; refuses a table whose columns differ. Steps
 * publishing partitions of one schema at the same time (two of one run, or two processes) take
 * turns on an advisory lock: `create ... if not exists` run side by side can both try to create
 * and one fails on a catalog unique index (pg_namespace, pg_type).
 */
async function ensureTable(
  db: SqlClient,
  schema: string,
  table: string,
  columns: readonly WarehouseColumn[],
  keyColumns: readonly string[],
): Promise<void> {
  let existing = await existingColumns(db, table);
  if (existing.length === 0) {
    existing = await db.transaction(async (tx) => {
      await tx.query("select pg_advisory_xact_lock(hashtext($1))", [`sluice.ddl:${schema}`]);
      const created = await existingColumns(tx, table);
      if (created.length > 0) return created;
      const base = table.split(".").at(-1)!.replaceAll('"', "");
      await tx.exec(
        `create schema if not exists ${quoteIdent(schema)};
         create table if not exists ${table} (${columnDdl(columns)});
         create index if not exists ${
          quoteIdent(`${base}__partition`)
        } on ${table} (${PARTITION_COLUMN})` +
          (keyColumns.length === 0 ? "" : `;
         create index if not exists ${quoteIdent(`${base}__key`)} on ${table} (${
            keyColumns.map(quoteIdent).join(", ")
          })`),
      );
      return [];
    });
    if (existing.length === 0) return;
  }
  const want = columns.map((c) => `${c.name} ${normalize(c.pgType)}`).join(", ");
  const have = existing.map((c) => `${c.name} ${normalize(c.type)}`).join(", ");
  if (want !== have) {
    throw new SluiceError(
      `Cannot publish into ${table}: the warehouse table has columns (${have}) but the data has ` +
        `(${want}); drop the table to republish every partition with the new columns`,
    );
  }
}

function existingColumns(db: SqlClient, table: string) {
  return db.query<{ name: string; type: string }>(
    `select attname as name, format_type(atttypid, atttypmod) as type from pg_attribute
     where attrelid = to_regclass($1) and attnum > 0 and not attisdropped order by attnum`,
    [table],
  );
}

/** format_type() spells some types differently from the DDL we write. */
function normalize(type: string): string {
  return type.replace(/^timestamp with time zone$/, "timestamptz")
    .replace(/^timestamp without time zone$/, "timestamp")
    .replace(/^time without time zone$/, "time")
    .replace(/^numeric\((\d+),(\d+)\)$/, "numeric($1,$2)");
}
