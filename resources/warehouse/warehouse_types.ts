// How a DuckDB column lands in the Postgres warehouse: exact types where both sides have one
// (DECIMAL → numeric, TIMESTAMPTZ → timestamptz), JSON for nested values.
import { SluiceError } from "../../runtime/errors.ts";

export interface WarehouseColumn {
  readonly name: string;
  /** The Postgres type of the warehouse column. */
  readonly pgType: string;
  /** The DuckDB expression that writes the column's CSV text (JSON text for nested values). */
  readonly select: string;
}

const SCALARS: Readonly<Record<string, string>> = {
  BOOLEAN: "boolean",
  TINYINT: "smallint",
  SMALLINT: "smallint",
  INTEGER: "integer",
  BIGINT: "bigint",
  UTINYINT: "smallint",
  USMALLINT: "integer",
  UINTEGER: "bigint",
  UBIGINT: "numeric(20,0)",
  HUGEINT: "numeric(39,0)",
  FLOAT: "real",
  DOUBLE: "double precision",
  VARCHAR: "text",
  DATE: "date",
  TIME: "time",
  TIMESTAMP: "timestamp",
  "TIMESTAMP WITH TIME ZONE": "timestamptz",
  UUID: "uuid",
};

/** The warehouse column for one DuckDB column, or an error naming it when there is none. */
export function warehouseColumn(name: string, duckType: string): WarehouseColumn {
  const type = duckType.trim().toUpperCase();
  const quoted = `"${name.replaceAll('"', '""')}"`;
  const scalar = SCALARS[type];
  if (scalar !== undefined) return { name, pgType: scalar, select: quoted };
  const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(type);
  if (decimal) return { name, pgType: `numeric(${decimal[1]},${decimal[2]})`, select: quoted };
  if (type.endsWith("[]") || type.startsWith("STRUCT") || type.startsWith("MAP")) {
    return { name, pgType: "jsonb", select: `to_json(${quoted}) AS ${quoted}` };
  }
  throw new SluiceError(
    `Cannot publish column '${name}' of DuckDB type ${duckType}: no exact Postgres type; ` +
      `cast it in the SQL to VARCHAR, DECIMAL, DOUBLE or a timestamp`,
  );
}

/** `name type, ...` as the Postgres DDL of a table. */
export function columnDdl(columns: readonly WarehouseColumn[]): string {
  return columns.map((c) => `"${c.name.replaceAll('"', '""')}" ${c.pgType}`).join(", ");
}
