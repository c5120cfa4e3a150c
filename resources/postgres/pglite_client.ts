// SqlClient over PGlite, the embedded Postgres: a data dir such as `.sluice/pg` guarded by an
// inter-process lock, or an in-memory database for tests.
import { parse, PGlite, protocol, type Transaction } from "@electric-sql/pglite";
import { copyStatement, type SqlClient } from "../../runtime/sql_client.ts";
import {
  acquireEmbeddedLock,
  type EmbeddedLock,
  type EmbeddedLockOptions,
} from "./embedded_lock.ts";
import { createPglite, type PgliteTemplate } from "./pglite_template.ts";

export const IN_MEMORY = ":memory:";

export interface PgliteClientOptions {
  readonly lock?: EmbeddedLockOptions;
  /** What a new database starts from; the process's template by default. */
  readonly template?: PgliteTemplate;
}

/**
 * Opens `dataDir` (creating it when new), or an in-memory database for ":memory:". A new one is
 * loaded from a template of a fresh cluster rather than running initdb (see pglite_template.ts).
 */
export async function openPgliteClient(
  dataDir: string,
  options: PgliteClientOptions = {},
): Promise<SqlClient> {
  if (dataDir === IN_MEMORY) {
    return new PgliteClient(await createPglite(undefined, options.template), undefined);
  }
  const lock = await acquireEmbeddedLock(dataDir, options.lock);
  try {
    await Deno.mkdir(dataDir, { recursive: true });
    // Under the lock, so no other process is making the same dir at once.
    return new PgliteClient(await createPglite(dataDir, options.template), lock);
  } catch (error) {
    await lock.release();
    throw error;
  }
}

type Queryable = Pick<PGlite, "query" | "exec"> | Transaction;

/** At most this many statements' parameter types are kept; others take PGlite's query(). */
const MAX_STATEMENTS = 512;

/**
 * Runs a statement as one call into PGlite (Parse, Bind, Describe, Execute and Sync together)
 * instead of the six that PGlite's query() makes, one of which asks for the parameter types:
 * those are asked once per statement text and kept. The values are serialized for those types
 * with PGlite's own serializers and the rows parsed with its parsers, as query() does; a step
 * makes one statement, and the calls into PGlite were most of a small statement's time.
 */
class Statements {
  readonly #types = new Map<string, readonly number[]>();

  constructor(private readonly pg: PGlite) {}

  /** The rows, or undefined when the statement should take PGlite's query() (COPY, no room). */
  async query<Row>(
    sql: string,
    params: readonly unknown[],
    exclusive: <T>(fn: () => Promise<T>) => Promise<T>,
  ): Promise<Row[] | undefined> {
    const types = this.#types.get(sql) ?? await this.#describe(sql, params, exclusive);
    if (types === undefined) return undefined;
    const values = params.map((value, i) => {
      if (value === null || value === undefined) return null;
      const serializer = this.pg.serializers[types[i]];
      return serializer ? serializer(value) : String(value);
    });
    const message = concat([
      protocol.serialize.parse({ text: sql }),
      protocol.serialize.bind({ values }),
      protocol.serialize.describe({ type: "P" }),
      protocol.serialize.execute({}),
      protocol.serialize.sync(),
    ]);
    // No sync to the file system afterwards: a data dir is written through (NODEFS), and
    // PGlite's syncToFs() only matters for its browser file systems.
    const { messages } = await exclusive(() => this.pg.execProtocol(message, { syncToFs: false }));
    return parse.parseResults(messages, this.pg.parsers)[0]?.rows as Row[] | undefined ?? [];
  }

  async #describe(
    sql: string,
    params: readonly unknown[],
    exclusive: <T>(fn: () => Promise<T>) => Promise<T>,
  ): Promise<readonly number[] | undefined> {
    if (this.#types.size >= MAX_STATEMENTS || params.some(isBlob)) return undefined;
    const message = concat([
      protocol.serialize.parse({ text: sql }),
      protocol.serialize.describe({ type: "S" }),
      protocol.serialize.sync(),
    ]);
    let messages;
    try {
      ({ messages } = await exclusive(() => this.pg.execProtocol(message, { syncToFs: false })));
    } catch {
      return undefined; // query() meets the same error and reports it with the statement.
    }
    const description = messages.find((m) => m.name === "parameterDescription") as
      | { dataTypeIDs: number[] }
      | undefined;
    if (description === undefined) return undefined;
    this.#types.set(sql, description.dataTypeIDs);
    return description.dataTypeIDs;
  }
}

function isBlob(value: unknown): boolean {
  return value instanceof Blob;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return bytes;
}

class PgliteQueries {
  constructor(
    protected readonly db: Queryable,
    private readonly statements: Statements,
    /** Runs a call into PGlite when no other statement or transaction of others is running. */
    private readonly exclusive: <T>(fn: () => Promise<T>) => Promise<T>,
  ) {}

  async query<Row = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[] = [],
  ): Promise<Row[]> {
    const rows = await this.statements.query<Row>(sql, params, this.exclusive);
    if (rows !== undefined) return rows;
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
    const statements = new Statements(pg);
    // Outside a transaction a statement waits for any transaction to end, as query() does.
    super(
      pg,
      statements,
      (fn) => pg._runExclusiveTransaction(() => pg._runExclusiveQuery(fn)),
    );
    this.#statements = statements;
  }

  readonly #statements: Statements;

  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
    return this.pg.transaction((tx) =>
      fn(new PgliteTransaction(tx, this.#statements, (work) => this.pg._runExclusiveQuery(work)))
    );
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
