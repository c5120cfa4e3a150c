// The application's view of a metadata transaction: its own tables, never schema `platform`,
// which only the store writes. A statement naming `platform.` is refused before it runs.
import { RuntimeInvariantError } from "../../errors.ts";
import type { AppTransaction, SqlClient } from "../../sql_client.ts";

const PLATFORM = /\bplatform\s*\./i;

export function appTransaction(tx: SqlClient): AppTransaction {
  return {
    dialect: tx.dialect,
    query: (sql, params) => tx.query(guarded(sql), params),
    exec: (sql) => tx.exec(guarded(sql)),
    copyFromCsv: (table, columns, file) => tx.copyFromCsv(guarded(table), columns, file),
  };
}

function guarded(sql: string): string {
  if (PLATFORM.test(sql)) {
    throw new RuntimeInvariantError(
      `Cannot run '${sql.trim().slice(0, 60)}…' in a commit: schema platform belongs to the ` +
        "metadata store; keep application tables in a schema of their own",
    );
  }
  return sql;
}
