// The asset check that holds silver.orders_enriched to the feature contract: the same columns,
// in the same order, with the same types, so training and serving never read a drifted table.
import { join } from "node:path";
import type { AssetCheck, CheckOutcome } from "../runtime/definitions/check.ts";
import { type DuckDb, openDuckDb } from "../resources/duckdb/duckdb.ts";
import { DATA_FILE } from "../resources/duckdb/duckdb_sql_engine.ts";
import { type ColumnSpec, ORDERS_ENRICHED_COLUMNS } from "./features.ts";

interface ParquetColumn {
  readonly name: string;
  readonly type: string;
}

/** Fails (severity error) unless the staged Parquet has exactly the contract's columns. */
export function featureContractCheck(
  columns: readonly ColumnSpec[] = ORDERS_ENRICHED_COLUMNS,
): AssetCheck {
  return {
    name: "feature_contract",
    severity: "error",
    description: "Columns, order and types match models/features.ts exactly.",
    async run(ctx) {
      const shared = (ctx.resources as { duckdb?: DuckDb }).duckdb;
      const db = shared ?? await openDuckDb({ threads: 1 });
      try {
        const file = join(ctx.output.dir, DATA_FILE);
        const actual = await db.all<{ column_name: string; column_type: string }>(
          "DESCRIBE SELECT * FROM read_parquet(?)",
          [file],
        );
        return compareColumns(
          columns,
          actual.map((row) => ({ name: row.column_name, type: row.column_type })),
        );
      } finally {
        if (shared === undefined) db.close();
      }
    },
  };
}

/** The differences between the contract and the file's columns, position by position. */
export function compareColumns(
  expected: readonly ColumnSpec[],
  actual: readonly ParquetColumn[],
): CheckOutcome {
  const problems: string[] = [];
  const length = Math.max(expected.length, actual.length);
  for (let i = 0; i < length; i++) {
    const want = expected[i];
    const got = actual[i];
    if (want === undefined) {
      problems.push(`unexpected column '${got.name}' ${got.type} at position ${i + 1}`);
    } else if (got === undefined) {
      problems.push(`missing column '${want.name}' ${want.sqlType} at position ${i + 1}`);
    } else if (want.name !== got.name || want.sqlType !== got.type) {
      problems.push(
        `column ${i + 1} is '${got.name}' ${got.type}; expected '${want.name}' ${want.sqlType}`,
      );
    }
  }
  if (problems.length === 0) {
    return { passed: true, message: `${expected.length} columns match the feature contract` };
  }
  return {
    passed: false,
    message: `${problems[0]}${
      problems.length > 1 ? ` (and ${problems.length - 1} more)` : ""
    }; change the SQL or models/features.ts so they agree`,
    failingRows: problems.slice(0, 10),
    failingCount: problems.length,
  };
}
