// SqlClient over PGlite, the embedded Postgres: a data dir such as `.sluice/pg` guarded by an
// inter-process lock, or an in-memory database for tests.
import { PGlite, type Transaction } from "@electric-sql/pglite";
import { copyStatement, type SqlClient } from "../../runtime/sql_client.ts";
import {
  acquireEmbeddedLock,
  type EmbeddedLock,
  type EmbeddedLockOptions,
} from "./embedded_lock.ts";

export const IN_MEMORY = ":memory:";

export interface PgliteClientOptions {
  readonly lock?: EmbeddedLockOptions;
}

/** Opens `dataDir` (creating it when new), or an in-memory database for ":memory:". */
export async function openPgliteClient(
  dataDir: string,
  options: PgliteClientOptions = {},
): Promise<SqlClient> {
  if (dataDir === IN_MEMORY) return new PgliteClient(await PGlite.create(), undefined);
  const lock = await acquireEmbeddedLock(dataDir, options.lock);
  try {
    await Deno.mkdir(dataDir, { recursive: true });
    return new PgliteClient(await PGlite.create(dataDir), lock);
  } catch (error) {
    await lock.release();
    throw error;
  }
}

type Queryable = Pick<PGlite, "query" | "exec"> | Transaction;

class PgliteQueries {
  constructor(protected readonly db: Queryable) {}

  async query<Row = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[] = [],
  ): Promise<Row[]> {
    const result = await this.db.query<Row>(sql, params as unknown[]);
    return result.rows;
  }

  async exec(sql: string): Promise<void> {
    await this.db.exec(sql);
  }

  async copyFromCsv(table: string, columns: readonly string[], csvFile: string): Promise<void> {
    // PGlite reads COPY input from a Blob it mounts at /dev/blob; a file-backed Blob is not
    // available in Deno, so the file is read whole (a warehouse partition, not a lake).
    const blob = new Blob([await Deno.readFile(csvFile)]);
    await this.db.query(copyStatement(table, columns, "'/dev/blob'"), [], { blob });
  }
}

class PgliteClient extends PgliteQueries implements SqlClient {
  readonly dialect = "pglite" as const;

  constructor(private readonly pg: PGlite, private readonly lock: EmbeddedLock | undefined) {
    super(pg);
  }

  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
    return this.pg.transaction((tx) => fn(new PgliteTransaction(tx)));
  }

  async close(): Promise<void> {
    try {
      if (!this.pg.closed) await this.pg.close();
    } finally {
      await this.lock?.release();
    }
  }
}

/** Inside a transaction: nested transactions join the outer one, and closing is the owner's job. */
class PgliteTransaction extends PgliteQueries implements SqlClient {
  readonly dialect = "pglite" as const;

  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
    return fn(this);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
