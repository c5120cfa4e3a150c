// The DuckDB resource: one in-process database and connection behind a small typed API that
// returns plain JS rows, writes Parquet, and turns DuckDB failures into SluiceErrors.
import {
  blobValue,
  type DuckDBConnection,
  DuckDBInstance,
  DuckDBTypeId,
  type DuckDBValue,
  type DuckDBValueConverter,
  JSDuckDBValueConverter,
  timestampTZValue,
} from "@duckdb/node-api";
import { SluiceError } from "../../runtime/errors.ts";
import { wrapQueryText } from "../../runtime/sql/query_text.ts";

export interface DuckDbOptions {
  /** Database file; omitted means an in-memory database that vanishes on close. */
  readonly path?: string;
  /** Worker threads for one query; DuckDB defaults to the number of cores. */
  readonly threads?: number;
  /**
   * A DuckDB size such as `"4GB"`; past it DuckDB spills to `tempDirectory`. 1GB by default:
   * DuckDB's own default (80% of RAM per database) let two concurrent steps take 3.5 GB.
   */
  readonly memoryLimit?: string;
  /**
   * Where queries spill past the memory limit. By default a fresh folder per database, removed
   * on close: DuckDB names its spill files alike, so two databases must never share a folder.
   */
  readonly tempDirectory?: string;
  /** The session time zone; `"UTC"` by default so results never depend on the host. */
  readonly timeZone?: string;
}

/** A value bound to a `?`/`$1` (array) or `$name` (record) placeholder. */
export type SqlParam = null | boolean | number | bigint | string | Date | Uint8Array;
export type SqlParams = readonly SqlParam[] | Readonly<Record<string, SqlParam>>;

/**
 * A column value as `all()` returns it:
 * - integers are `number`; BIGINT and wider stay `bigint` only when beyond ±2^53 (so `count(*)`
 *   is a number), DECIMAL becomes a `number` (cast to VARCHAR in SQL when exact cents matter);
 * - TIMESTAMP and TIMESTAMPTZ are `Date` instants (millisecond precision; a naive TIMESTAMP
 *   reads as UTC), while DATE is a `"YYYY-MM-DD"` string and TIME an `"HH:MM:SS[.ffffff]"`
 *   string, because a calendar day or a wall-clock time is not an instant;
 * - BLOB is `Uint8Array`; LIST, STRUCT and MAP are arrays and objects of these values.
 */
export type RowValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Date
  | Uint8Array
  | RowValue[]
  | { [name: string]: RowValue };
export type Row = Record<string, RowValue>;

export interface ParquetOptions {
  /** Rows per row group; DuckDB's default is 122,880. Bigger groups compress better. */
  readonly rowGroupSize?: number;
  /**
   * ZSTD level 1–22; 1 by default (DuckDB's own default is 3). On bronze.geo_events (500 MB of
   * raw payloads) level 1 took 40% less CPU than DuckDB's default and wrote a 2% smaller file;
   * staging's files grow about 10%.
   */
  readonly compressionLevel?: number;
}

export interface DuckDb {
  /** Runs statements for their effect; with params, only the last statement may use them. */
  run(sql: string, params?: SqlParams): Promise<void>;
  /** Runs a query and returns its rows; `T` is trusted, not checked (validate with zod if needed). */
  all<T extends Row = Row>(sql: string, params?: SqlParams): Promise<T[]>;
  /** Writes the rows of a SELECT to one ZSTD-compressed Parquet file; returns the row count. */
  copyToParquet(selectSql: string, filePath: string, options?: ParquetOptions): Promise<number>;
  /** Closes the connection and the database; later calls fail. Safe to call twice. */
  close(): void;
}

/** A DuckDB statement or the database itself failed; `sql` holds the full statement. */
export class DuckDbError extends SluiceError {
  override name = "DuckDbError";
  constructor(
    message: string,
    readonly sql?: string,
    options?: ErrorOptions,
    /** What DuckDB said about the statement, when it failed on one. */
    readonly failure?: DuckDbFailure,
  ) {
    super(message, options);
  }
}

/** DuckDB's own report of a failed statement. */
export interface DuckDbFailure {
  /** DuckDB's exception type: Parser, Binder, Catalog, Conversion, IO, ... */
  readonly type: string | undefined;
  /** `Binder Error: Referenced column "amout" not found in FROM clause!` and its detail lines. */
  readonly message: string;
  /** The 0-based character offset in the statement DuckDB points at, when it does. */
  readonly position: number | undefined;
}

export const DEFAULT_MEMORY_LIMIT = "1GB";

/** ZSTD level of copyToParquet's files unless asked otherwise (see ParquetOptions). */
export const DEFAULT_COMPRESSION_LEVEL = 1;

/** Opens a database with only bundled extensions (parquet, json, icu): nothing is downloaded. */
export async function openDuckDb(options: DuckDbOptions = {}): Promise<DuckDb> {
  const path = options.path ?? ":memory:";
  const config: Record<string, string> = {
    autoinstall_known_extensions: "false",
  };
  if (options.threads !== undefined) config.threads = String(positiveInteger(options.threads));
  config.memory_limit = options.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
  const ownSpill = options.tempDirectory === undefined
    ? Deno.makeTempDirSync({ prefix: "sluice-duckdb-spill-" })
    : undefined;
  config.temp_directory = options.tempDirectory ?? ownSpill!;
  try {
    const instance = await DuckDBInstance.create(path, config);
    const connection = await instance.connect();
    // Set per session, not in the config: icu, which owns the setting, loads only on first use.
    await connection.run(`SET TimeZone = ${sqlString(options.timeZone ?? "UTC")}`);
    // Errors as JSON carry the position of the failing token, which a SQL asset's error maps
    // back to its file; duckDbFailure turns them back into DuckDB's usual words.
    await connection.run("SET errors_as_json = true");
    return new DuckDbConnection(instance, connection, ownSpill);
  } catch (error) {
    if (ownSpill) Deno.removeSync(ownSpill, { recursive: true });
    throw new DuckDbError(
      `Cannot open DuckDB database '${path}': ${firstLine(error)}; check the path, the options ` +
        `and that no other process holds the file`,
      undefined,
      { cause: error },
    );
  }
}

class DuckDbConnection implements DuckDb {
  #instance: DuckDBInstance | null;
  #connection: DuckDBConnection | null;
  /** Statements run one at a time: a DuckDB connection is not meant for concurrent queries. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    instance: DuckDBInstance,
    connection: DuckDBConnection,
    private readonly spillDir: string | undefined,
  ) {
    this.#instance = instance;
    this.#connection = connection;
  }

  async run(sql: string, params?: SqlParams): Promise<void> {
    await this.#execute(sql, params, async (connection, values) => {
      await connection.run(sql, values);
    });
  }

  all<T extends Row = Row>(sql: string, params?: SqlParams): Promise<T[]> {
    return this.#execute(sql, params, async (connection, values) => {
      const reader = await connection.runAndReadAll(sql, values);
      return reader.convertRowObjects(rowValueConverter) as T[];
    });
  }

  async copyToParquet(
    selectSql: string,
    filePath: string,
    options: ParquetOptions = {},
  ): Promise<number> {
    const settings = ["FORMAT parquet", "COMPRESSION zstd"];
    if (options.rowGroupSize !== undefined) {
      settings.push(`ROW_GROUP_SIZE ${positiveInteger(options.rowGroupSize)}`);
    }
    settings.push(
      `COMPRESSION_LEVEL ${positiveInteger(options.compressionLevel ?? DEFAULT_COMPRESSION_LEVEL)}`,
    );
    // The query on lines of its own: a trailing `-- note` cannot swallow the parenthesis.
    const sql = wrapQueryText(
      "COPY (",
      selectSql,
      `) TO ${sqlString(filePath)} (${settings.join(", ")})`,
    );
    const [result] = await this.all<{ Count: number | bigint }>(sql);
    return Number(result.Count);
  }

  close(): void {
    const open = this.#instance !== null;
    this.#connection?.closeSync();
    this.#instance?.closeSync();
    this.#connection = null;
    this.#instance = null;
    if (open && this.spillDir) Deno.removeSync(this.spillDir, { recursive: true });
  }

  #execute<R>(
    sql: string,
    params: SqlParams | undefined,
    body: (
      connection: DuckDBConnection,
      values?: DuckDBValue[] | Record<string, DuckDBValue>,
    ) => Promise<R>,
  ): Promise<R> {
    const result = this.#queue.then(async () => {
      const connection = this.#connection;
      if (connection === null) {
        throw new DuckDbError(`Cannot run '${firstSqlLine(sql)}': this DuckDB is closed`, sql);
      }
      try {
        return await body(connection, params === undefined ? undefined : toDuckDbParams(params));
      } catch (error) {
        const failure = duckDbFailure(error, sql);
        throw new DuckDbError(
          `DuckDB failed on '${firstSqlLine(sql)}': ${failure.message.split("\n")[0]}`,
          sql,
          { cause: error },
          failure,
        );
      }
    });
    this.#queue = result.catch(() => undefined);
    return result;
  }
}

/** JS values to DuckDB values; only the types JS cannot say unambiguously need wrapping. */
function toDuckDbParams(params: SqlParams): DuckDBValue[] | Record<string, DuckDBValue> {
  if (Array.isArray(params)) return params.map(toDuckDbValue);
  return Object.fromEntries(
    Object.entries(params as Record<string, SqlParam>).map(([name, value]) => [
      name,
      toDuckDbValue(value),
    ]),
  );
}

function toDuckDbValue(value: SqlParam): DuckDBValue {
  if (value instanceof Date) return timestampTZValue(BigInt(value.getTime()) * 1000n);
  if (value instanceof Uint8Array) return blobValue(value);
  return value;
}

/** DuckDB's JS conversion, with the choices documented on `RowValue` layered on top. */
const rowValueConverter: DuckDBValueConverter<RowValue> = (value, type, converter) => {
  if (value === null) return null;
  switch (type.typeId) {
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT: {
      const big = value as bigint;
      const small = Number(big);
      return Number.isSafeInteger(small) ? small : big;
    }
    case DuckDBTypeId.DATE:
    case DuckDBTypeId.TIME:
      return String(value);
    default:
      return JSDuckDBValueConverter(
        value,
        type,
        converter as DuckDBValueConverter<unknown> as typeof JSDuckDBValueConverter,
      ) as RowValue;
  }
};

function positiveInteger(value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new DuckDbError(`Cannot use ${value} as a DuckDB setting: expected a positive integer`);
  }
  return value;
}

/** A SQL string literal; DuckDB escapes a quote by doubling it. */
function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * The first non-blank line of a statement, enough to find it in a file of SQL; a line that only
 * opens a wrapper (`COPY (`) takes the next one along.
 */
function firstSqlLine(sql: string): string {
  const lines = sql.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  const line = lines.length > 1 && lines[0].endsWith("(")
    ? `${lines[0]}${lines[1]}`
    : lines[0] ?? "";
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}

/**
 * DuckDB's report of a failed statement. With errors_as_json its message is JSON (after a
 * "Parser Error: " prefix for parse errors) holding the type, the message and the byte offset
 * of the failing token; anything else is kept as it came.
 */
export function duckDbFailure(error: unknown, sql: string): DuckDbFailure {
  const text = error instanceof Error ? error.message : String(error);
  const brace = text.indexOf("{");
  if (brace !== -1) {
    let json: { exception_type?: unknown; exception_message?: unknown; position?: unknown };
    try {
      json = JSON.parse(text.slice(brace));
    } catch {
      json = {};
    }
    if (typeof json.exception_type === "string" && typeof json.exception_message === "string") {
      const bytes = Number(json.position);
      return {
        type: json.exception_type,
        message: `${json.exception_type} Error: ${json.exception_message}`,
        position: json.position === undefined || !Number.isInteger(bytes)
          ? undefined
          : characterOffset(sql, bytes),
      };
    }
  }
  return {
    type: /^([A-Z][A-Za-z ]*?) Error: /.exec(text)?.[1],
    message: text,
    position: undefined,
  };
}

/** The character offset of a UTF-8 byte offset into `text`. */
function characterOffset(text: string, byteOffset: number): number {
  let bytes = 0;
  let chars = 0;
  for (const char of text) {
    if (bytes >= byteOffset) break;
    const code = char.codePointAt(0)!;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    chars += char.length;
  }
  return chars;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0];
}
