// The one boundary between the metadata store and a Postgres driver: PGlite (embedded) and
// postgres.js (a real server) both implement it, and both run the same SQL.

export interface SqlClient {
  readonly dialect: "pglite" | "postgres";
  /** Runs one statement with `$1`-style parameters and returns its rows. */
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs statements separated by semicolons, without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
