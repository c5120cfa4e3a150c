// SqlClient over a real Postgres server through the `postgres` driver (postgres.js), for
// DATABASE_URL: a small pool, silenced notices, and a one-line error when the server is unreachable.
import postgres from "postgres";
import { ConfigError } from "../../runtime/errors.ts";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { copyStatement, type SqlClient } from "../../runtime/sql_client.ts";

export interface PostgresClientOptions {
  /** Named in error messages, so people know which setting to fix. */
  readonly variable?: string;
  readonly maxConnections?: number;
  readonly connectTimeoutSeconds?: number;
}

type Sql = postgres.Sql | postgres.TransactionSql;

/** Connects eagerly so a wrong URL or a stopped server fails here, as one clear line. */
export async function openPostgresClient(
  url: string,
  options: PostgresClientOptions = {},
): Promise<SqlClient> {
  const variable = options.variable ?? "DATABASE_URL";
  const where = describeUrl(url, variable);
  let sql: postgres.Sql;
  try {
    sql = postgres(url, {
      max: options.maxConnections ?? 4,
      connect_timeout: options.connectTimeoutSeconds ?? 10,
      onnotice: () => {},
      // Statements are built as text once and run with $n parameters; the pool may be behind
      // PgBouncer in transaction mode, where named prepared statements break.
      prepare: false,
    });
  } catch (error) {
    throw new ConfigError(`Cannot use ${where}: ${reason(error)}; fix ${variable}`, variable);
  }
  try {
    await sql.unsafe("select 1");
  } catch (error) {
    await sql.end({ timeout: 0 }).catch(() => {});
    throw new ConfigError(
      `Cannot connect to Postgres at ${where}: ${
        reason(error)
      }; start the server or fix ${variable}`,
      variable,
    );
  }
  return new PostgresClient(sql);
}

class PostgresClient implements SqlClient {
  readonly dialect = "postgres" as const;

  constructor(private readonly sql: Sql, private readonly inTransaction = false) {}

  async query<Row = Record<string, unknown>>(
    text: string,
    params: readonly unknown[] = [],
  ): Promise<Row[]> {
    const rows = await this.sql.unsafe(text, params as postgres.ParameterOrJSON<never>[]);
    return rows as unknown as Row[];
  }

  async exec(text: string): Promise<void> {
    // Without parameters postgres.js uses the simple protocol, which runs several statements.
    await this.sql.unsafe(text);
  }

  async copyFromCsv(table: string, columns: readonly string[], csvFile: string): Promise<void> {
    const sink = await this.sql.unsafe(copyStatement(table, columns, "stdin")).writable();
    using file = await Deno.open(csvFile);
    await pipeline(Readable.fromWeb(file.readable as never), sink);
  }

  async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
    // Nested transactions join the outer one.
    if (this.inTransaction) return fn(this);
    const result = await (this.sql as postgres.Sql).begin((tx) => fn(new PostgresClient(tx, true)));
    return result as T;
  }

  async close(): Promise<void> {
    if (this.inTransaction) return;
    await (this.sql as postgres.Sql).end({ timeout: 5 });
  }
}

/** `127.0.0.1:5433 (DATABASE_URL)`: host and port only, never the password. */
export function describeUrl(url: string, variable: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || "5432"} (${variable})`;
  } catch {
    return `'${url.replace(/\/\/[^@/]*@/, "//***@")}' (${variable})`;
  }
}

const REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host not found",
  ETIMEDOUT: "connection timed out",
  CONNECT_TIMEOUT: "connection timed out",
  "28P01": "password authentication failed",
  "28000": "authentication rejected",
  "3D000": "database does not exist",
};

/** A driver error as a few words ("connection refused"), for one-line messages. */
export function reason(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === "string" && REASONS[code]) return REASONS[code];
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0];
}
