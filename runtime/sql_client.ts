// The one boundary between the metadata store and a Postgres driver: PGlite (embedded) and
// postgres.js (a real server) both implement it, and both run the same SQL.

export interface SqlClient {
  readonly dialect: "pglite" | "postgres";
  /** Runs one statement with `$1`-style parameters and returns its rows. */
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs statements separated by semicolons, without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Bulk-loads a CSV file (header row, RFC 4180 quoting, empty unquoted field = NULL) into
   * `table` (`columns` in file order) with COPY: one statement, no per-row round trips.
   */
  copyFromCsv(table: string, columns: readonly string[], csvFile: string): Promise<void>;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The COPY statement both clients run; `from` is `stdin` or a quoted server-side path. */
export function copyStatement(table: string, columns: readonly string[], from: string): string {
  return `copy ${table} (${columns.map(quoteIdent).join(", ")}) from ${from} ` +
    `with (format csv, header true)`;
}

/** A Postgres identifier, quoted so any column name is safe. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * The application's own tables (warehouse, ingest ledgers) inside a metadata-store transaction,
 * so a write lands exactly when a pointer moves. Not schema `platform`, which only the store
 * writes, and no nested transactions.
 */
export type AppTransaction = Pick<SqlClient, "dialect" | "query" | "exec" | "copyFromCsv">;
