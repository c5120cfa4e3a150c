// The DuckDB SQL engine: runs one SQL asset over the Parquet files of its upstream partitions
// and writes the result as one deterministic Parquet file, so equal inputs give equal versions.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { AssetKey } from "../../runtime/definitions/asset_key.ts";
import {
  inputFiles,
  type MaterializeContext,
  type MaterializeResult,
} from "../../runtime/definitions/context.ts";
import { DefinitionError, SluiceError } from "../../runtime/errors.ts";
import type { MappedSql } from "../../runtime/sql/mapped_sql.ts";
import { sqlErrorFor } from "../../runtime/sql/sql_error_location.ts";
import type { CheckContext } from "../../runtime/definitions/check.ts";
import type { TestSession } from "../../runtime/sql/data_tests.ts";
import type { SqlAssetSource, SqlEngine } from "../../runtime/sql/sql_engine.ts";
import { type DuckDb, DuckDbError, type DuckDbOptions, openDuckDb } from "./duckdb.ts";

/** The file every DuckDB-built asset partition holds. */
export const DATA_FILE = "data.parquet";

/** Column list (`name TYPE, ...`) of an upstream, used when none of its partitions has a file. */
export type SchemaOf = (key: AssetKey) => string | undefined;

export interface DuckDbSqlEngineOptions {
  /** Schemas of upstreams, so a ref to partitions without files still has typed columns. */
  readonly schemaOf?: SchemaOf;
  /** Options of the database opened when `ctx.resources` holds no `duckdb`. */
  readonly open?: DuckDbOptions;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

export function duckDbSqlEngine(options: DuckDbSqlEngineOptions = {}): SqlEngine {
  const sources = new Map<AssetKey, SqlAssetSource>();
  const schemaOf = options.schemaOf ?? (() => undefined);
  return {
    name: "duckdb",
    register: (source) => void sources.set(source.key, source),
    async materialize(ctx, source) {
      const query = renderDuckDbQuery(ctx, source, schemaOf, (key) => sources.get(key));
      const shared = sharedDuckDb(ctx);
      const db = shared ?? await openDuckDb(openOptions(ctx, options.open));
      try {
        return await writeParquet(db, source, query, join(ctx.output.dir, DATA_FILE));
      } finally {
        if (shared === undefined) db.close();
      }
    },
    openTestSession: (ctx) =>
      openDuckDbTestSession(
        ctx,
        openOptions(ctx, options.open),
        DATA_FILE,
        (key) => emptyRelationOf(key, schemaOf, (k) => sources.get(k)),
      ),
    // Files are only known per partition at run time; name them by the asset they come from.
    preview: (source) =>
      source.render((key) => `read_parquet(<${DATA_FILE} of each input partition of ${key}>)`),
  };
}

/**
 * A data-test session on a DuckDB-built output: `self` is the staged Parquet file (`file` in
 * the output location), other assets are their current upstream files. TS assets that write
 * Parquet use it too, through dataTestChecks().
 */
export async function openDuckDbTestSession(
  ctx: CheckContext,
  open?: DuckDbOptions,
  file = DATA_FILE,
  emptyOf: (key: AssetKey) => string | undefined = () => undefined,
): Promise<TestSession> {
  const shared = (ctx.resources as { duckdb?: DuckDb }).duckdb;
  const db = shared ?? await openDuckDb(open);
  return {
    self: `read_parquet(${sqlString(join(ctx.output.dir, file))})`,
    now: ctx.now,
    relationOf(key) {
      const files = inputFiles(ctx.inputByKey(key), DATA_FILE).filter((f) => existsSync(f));
      const empty = files.length === 0 ? emptyOf(key) : undefined;
      if (empty !== undefined) return empty;
      if (files.length === 0) {
        throw new SluiceError(
          `Cannot test against '${key}': none of the partitions read has a ${DATA_FILE}`,
        );
      }
      return `read_parquet([${files.map(sqlString).join(", ")}], union_by_name = true)`;
    },
    all: (sql) => db.all(sql),
    close: () => {
      if (shared === undefined) db.close();
      return Promise.resolve();
    },
  };
}

/**
 * The query of `source` for `ctx.partition`, with refs and placeholders replaced, mapped back to
 * the file for error positions.
 */
export function renderDuckDbQuery(
  ctx: MaterializeContext,
  source: SqlAssetSource,
  schemaOf: SchemaOf,
  sourceOf: SourceOf = () => undefined,
): MappedSql {
  const withRefs = source.query((key) => relationFor(ctx, source, key, schemaOf, sourceOf));
  return renderPlaceholders(withRefs, ctx, source);
}

/** The SQL source of an asset the same engine runs, if it is one. */
export type SourceOf = (key: AssetKey) => SqlAssetSource | undefined;

async function writeParquet(
  db: DuckDb,
  source: SqlAssetSource,
  query: MappedSql,
  file: string,
): Promise<MaterializeResult> {
  // Parallel sinks may reorder rows and split row groups by timing; insertion order must hold
  // so the file's bytes, and therefore its data version, depend on the inputs only.
  await db.run("SET preserve_insertion_order = true");
  let rows: number;
  try {
    rows = await db.copyToParquet(query.text, file);
  } catch (error) {
    // DuckDB rejected the asset's query: name the file, line and column it points at.
    if (error instanceof DuckDbError && error.failure && error.sql) {
      throw sqlErrorFor(source, query, error.sql, error.failure, error);
    }
    throw error;
  }
  return { rows, metadata: { engine: "duckdb", file: DATA_FILE } };
}

/** `read_parquet` over the upstream files, or an empty typed relation when there are none. */
function relationFor(
  ctx: MaterializeContext,
  source: SqlAssetSource,
  key: AssetKey,
  schemaOf: SchemaOf,
  sourceOf: SourceOf,
): string {
  const files = inputFiles(ctx.inputByKey(key), DATA_FILE).filter((file) => existsSync(file))
    .sort();
  if (files.length > 0) {
    const list = files.map(sqlString).join(", ");
    return `(SELECT * FROM read_parquet([${list}], union_by_name = true))`;
  }
  const empty = emptyRelationOf(key, schemaOf, sourceOf);
  if (empty === undefined) {
    throw new SluiceError(
      `Cannot render ref('${key}') in ${source.path} for partition '${ctx.partition}': no ` +
        `upstream partition has a ${DATA_FILE} and no schema is known for '${key}'; declare ` +
        `its columns in the engine's schemaOf option`,
    );
  }
  return empty;
}

/**
 * A relation with `key`'s columns and no rows, for an upstream none of whose partitions read has
 * a file (a day with no refunds at all): from its declared columns, or for a SQL asset of this
 * engine, its own query over empty relations of its upstreams, so the columns are what it would
 * have written. Undefined when neither is known.
 */
function emptyRelationOf(
  key: AssetKey,
  schemaOf: SchemaOf,
  sourceOf: SourceOf,
): string | undefined {
  const columns = schemaOf(key);
  if (columns !== undefined) return emptyRelation(columns);
  const upstream = sourceOf(key);
  if (upstream === undefined) return undefined;
  let unknown: AssetKey | undefined;
  const query = upstream.query((ref) => {
    const empty = emptyRelationOf(ref, schemaOf, sourceOf);
    if (empty === undefined) unknown ??= ref;
    return empty ?? "(SELECT 1 WHERE false)";
  });
  if (unknown !== undefined) return undefined;
  // Any values do for the placeholders: no row is read.
  const text = query.text.replace(
    PLACEHOLDER,
    (_, name: string) => name === "partition" ? "1970-01-01" : "1970-01-01T00:00:00.000Z",
  );
  return `(SELECT * FROM (\n${text}\n) AS empty_${key.replace(/\W/g, "_")} WHERE false)`;
}

/** `a VARCHAR, b INTEGER` → a relation with those columns and no rows. */
export function emptyRelation(columns: string): string {
  const casts = splitColumns(columns).map(({ name, type }) => `CAST(NULL AS ${type}) AS ${name}`);
  return `(SELECT ${casts.join(", ")} WHERE false)`;
}

function splitColumns(columns: string): { name: string; type: string }[] {
  // Types such as DECIMAL(18, 2) hold commas: split only at depth zero.
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of columns) {
    if (char === "(") depth++;
    if (char === ")") depth--;
    if (char === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else current += char;
  }
  parts.push(current);
  return parts.map((part) => part.trim()).filter((part) => part !== "").map((part) => {
    const space = part.search(/\s/);
    if (space === -1) {
      throw new SluiceError(`Cannot read column '${part}': expected 'name TYPE'`);
    }
    return { name: part.slice(0, space), type: part.slice(space + 1).trim() };
  });
}

function renderPlaceholders(
  query: MappedSql,
  ctx: MaterializeContext,
  source: SqlAssetSource,
): MappedSql {
  const values: Record<string, string | undefined> = {
    partition: ctx.partition,
    partition_start: ctx.window?.start.toISOString(),
    partition_end: ctx.window?.end.toISOString(),
  };
  const replacements = [...query.text.matchAll(PLACEHOLDER)].map((match) => ({
    start: match.index,
    end: match.index + match[0].length,
    text: placeholderValue(match[0], match[1], values, source),
  }));
  return replacements.length === 0 ? query : query.replace(replacements);
}

/** A placeholder's value; an unknown one, or a time one in an asset without time, is refused. */
function placeholderValue(
  whole: string,
  name: string,
  values: Readonly<Record<string, string | undefined>>,
  source: SqlAssetSource,
): string {
  if (!(name in values)) {
    throw new DefinitionError(
      `Cannot render ${whole} in ${source.path}: expected one of {{ partition }}, ` +
        `{{ partition_start }}, {{ partition_end }}`,
      source.key,
    );
  }
  const value = values[name];
  if (value === undefined || value === "") {
    throw new DefinitionError(
      `Cannot render ${whole} in ${source.path}: asset '${source.key}' has no time ` +
        `partitions; add 'partitions: { daily: { start: ... } }' to its header`,
      source.key,
    );
  }
  return value;
}

/** The engine's options with the application's (SLUICE_DUCKDB_*) on top. */
function openOptions(
  ctx: { readonly resources: unknown },
  open: DuckDbOptions | undefined,
): DuckDbOptions {
  // Declared by the application through module augmentation, like `duckdb` below.
  const fromResources = (ctx.resources as { duckdbOptions?: DuckDbOptions }).duckdbOptions;
  return { ...open, ...fromResources };
}

function sharedDuckDb(ctx: MaterializeContext): DuckDb | undefined {
  // Declared by the application through module augmentation; absent in bare runtimes and tests.
  return (ctx.resources as { duckdb?: DuckDb }).duckdb;
}

function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
