// The Postgres SQL engine: dbt-style marts as views, tables or incremental tables in the
// warehouse (the metadata database). Each build is staged beside its target, tested there, and
// swapped in by the same transaction that moves its pointer, so readers see old or new only.
import { z } from "zod";
import type { AssetKey } from "../../runtime/definitions/asset_key.ts";
import type { MaterializeContext, MaterializeResult } from "../../runtime/definitions/context.ts";
import { DefinitionError, SluiceError } from "../../runtime/errors.ts";
import type { TestSession } from "../../runtime/sql/data_tests.ts";
import type { MappedSql } from "../../runtime/sql/mapped_sql.ts";
import { wrapQuery } from "../../runtime/sql/query_text.ts";
import { type EngineFailure, sqlErrorFor } from "../../runtime/sql/sql_error_location.ts";
import type { SqlAssetSource, SqlEngine } from "../../runtime/sql/sql_engine.ts";
import { type AppTransaction, quoteIdent, type SqlClient } from "../../runtime/sql_client.ts";
import { hashParts } from "../../runtime/definitions/version.ts";
import { labelStage } from "./stale_stages.ts";

const Column = z.string().regex(/^[a-z_][a-z0-9_]*$/, "expected a lower-case column name");

/** The header fields this engine owns (besides the runtime's key, group, tests, ...). */
const MartConfigSchema = z.discriminatedUnion("materialized", [
  z.strictObject({
    materialized: z.literal("view"),
    columns: z.record(Column, z.string()).optional(),
  }),
  z.strictObject({
    materialized: z.literal("table"),
    columns: z.record(Column, z.string()).optional(),
    indexes: z.array(z.array(Column).min(1)).optional(),
  }),
  z.strictObject({
    materialized: z.literal("incremental"),
    unique_key: z.union([Column.transform((c) => [c]), z.array(Column).min(1)]),
    /** The column that moves when a row changes; the lookback window is measured on it. */
    updated_at: Column,
    lookback_days: z.number().int().positive(),
    columns: z.record(Column, z.string()).optional(),
    indexes: z.array(z.array(Column).min(1)).optional(),
  }),
], { error: "expected materialized: view, table or incremental" });

export type MartConfig = z.output<typeof MartConfigSchema>;

export interface PostgresSqlEngineOptions {
  /** Assets whose relation in the warehouse another asset publishes: `gold.x` → its publisher. */
  readonly publishers?: ReadonlyMap<AssetKey, AssetKey>;
  /**
   * Postgres's work_mem for the statement that runs a table or incremental mart's query (a
   * rebuild's and a merge's alike). The server's default (4MB) sends the reference day's sorts
   * and hashes to disk (fact_orders: its payments sort, about 50 MB).
   */
  readonly workMem?: string;
}

const DEFAULT_WORK_MEM = "64MB";

/** `marts.fact_orders` → `"marts"."fact_orders"`: an asset key names its warehouse relation. */
export function relationOf(key: AssetKey): string {
  const dot = key.indexOf(".");
  if (dot === -1) return quoteIdent(key);
  return `${quoteIdent(key.slice(0, dot))}.${quoteIdent(key.slice(dot + 1))}`;
}

export function schemaOf(key: AssetKey): string {
  const dot = key.indexOf(".");
  return dot === -1 ? "public" : key.slice(0, dot);
}

/** Reads the engine's part of a header, naming the file and the field on a mistake. */
export function martConfig(source: SqlAssetSource): MartConfig {
  const parsed = MartConfigSchema.safeParse(source.config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.join(".") || "materialized";
    throw new DefinitionError(
      `Cannot load mart ${source.path}: header field '${field}': ${issue.message}`,
      source.key,
    );
  }
  return parsed.data;
}

export function postgresSqlEngine(options: PostgresSqlEngineOptions = {}): SqlEngine {
  const publishers = options.publishers ?? new Map();
  return {
    name: "postgres",
    resolveRef: (key) => publishers.get(key) ?? key,
    preview: renderPostgresSql,
    materialize: (ctx, source) =>
      buildMart(
        ctx,
        source,
        warehouseOf(ctx),
        (key) => publishers.get(key) ?? key,
        options.workMem ?? DEFAULT_WORK_MEM,
      ),
    openTestSession(ctx, source) {
      const db = warehouseOf(ctx);
      const staged = ctx.metadata.staged_relation;
      if (typeof staged !== "string") {
        throw new SluiceError(`Cannot test ${source.key}: its build named no staged relation`);
      }
      const written = ctx.metadata.written_relation;
      const session: TestSession = {
        self: staged,
        now: ctx.now,
        relationOf,
        ...(typeof written === "string" && {
          merge: { written, target: relationOf(source.key), uniqueKey: uniqueKeyOf(source) },
        }),
        all: (sql) => db.query(sql),
        close: () => Promise.resolve(),
      };
      return Promise.resolve(session);
    },
  };
}

function uniqueKeyOf(source: SqlAssetSource): readonly string[] {
  const config = martConfig(source);
  return config.materialized === "incremental" ? config.unique_key : [];
}

function warehouseOf(ctx: { resources: unknown; key: AssetKey }): SqlClient {
  const warehouse = (ctx.resources as { warehouse?: SqlClient }).warehouse;
  if (warehouse === undefined) {
    throw new SluiceError(
      `Cannot build '${ctx.key}': no warehouse resource is open; the application must provide ` +
        `resources.warehouse (the metadata database)`,
    );
  }
  return warehouse;
}

/** Renders refs to warehouse relations; the rendered SQL is what `assets --sql` prints. */
export function renderPostgresSql(source: SqlAssetSource): string {
  return source.render(relationOf);
}

async function buildMart(
  ctx: MaterializeContext,
  source: SqlAssetSource,
  db: SqlClient,
  resolve: (key: AssetKey) => AssetKey,
  workMem: string,
): Promise<MaterializeResult> {
  const config = martConfig(source);
  const sql = renderPostgresSql(source);
  const query = source.query(relationOf);
  const run = (client: Pick<SqlClient, "exec">, prefix: string, suffix = "") =>
    execQuery(client, source, query, prefix, suffix);
  // The statement that runs the whole query, with the memory to keep its sorts off disk.
  const runWithMemory: RunQuery = (client, prefix, suffix = "") =>
    client.transaction(async (tx) => {
      await tx.exec(`set local work_mem = '${workMem.replaceAll("'", "''")}'`);
      await run(tx, prefix, suffix);
    });
  const target = relationOf(source.key);
  const tag = crypto.randomUUID().replaceAll("-", "").slice(0, 12);
  const stageName = `${source.key.slice(source.key.indexOf(".") + 1)}__stage_${tag}`;
  const stage = `${quoteIdent(schemaOf(source.key))}.${quoteIdent(stageName)}`;
  await ensureSchema(db, schemaOf(source.key));
  // A mart is a pure function of its inputs: its version is the SQL plus what it read.
  const upstreams = [...new Set(source.refs.map((ref) => resolve(ref.key)))].sort();
  const inputs = upstreams.flatMap((key) =>
    ctx.inputByKey(key).map((input) => `${input.key}@${input.partition}=${input.dataVersion}`)
  );
  const dataVersion = hashParts([sql, ...inputs]);
  // The rows live in Postgres; the lake location records what was built, from which SQL.
  await Deno.writeTextFile(
    `${ctx.output.dir}/relation.json`,
    JSON.stringify({ relation: target, materialized: config.materialized, sql }, null, 2),
  );
  if (config.materialized === "view") {
    await run(db, `create view ${stage} as`);
    await db.exec(labelStage("view", stage, ctx.runId));
    return {
      dataVersion,
      metadata: { engine: "postgres", materialized: "view", staged_relation: stage },
      inCommit: async (tx) => {
        await tx.exec(`drop view ${stage}`);
        await run(tx, `create or replace view ${target} as`);
      },
    };
  }
  const exists = await relationExists(db, source.key);
  const incremental = config.materialized === "incremental" && exists && !ctx.fullRefresh;
  if (config.materialized === "incremental" && incremental) {
    const tested = `${quoteIdent(schemaOf(source.key))}.${quoteIdent(`${stageName}_result`)}`;
    return await stageMerge(
      ctx,
      source,
      config,
      db,
      { run, runWithMemory },
      { stage, tested },
      dataVersion,
    );
  }
  await runWithMemory(db, `create table ${stage} as`);
  // Labelled with its run, so vacuum can tell a stage left by a failed or killed build.
  await db.exec(labelStage("table", stage, ctx.runId));
  const [{ rows }] = await db.query<{ rows: number }>(`select count(*)::int as rows from ${stage}`);
  const keys = config.materialized === "incremental" ? config.unique_key : [];
  return {
    rows,
    dataVersion,
    metadata: {
      engine: "postgres",
      materialized: config.materialized,
      staged_relation: stage,
      mode: "rebuild",
    },
    inCommit: async (tx) => {
      await replaceTable(tx, source.key, stage);
      await ensureIndexes(tx, source.key, config, keys);
      if (config.materialized === "incremental") {
        await recordTestsVersion(tx, target, source.testsVersion);
      }
      // Statistics commit with the rows: marts that read this one plan on what it holds now.
      await tx.exec(`analyze ${target}`);
    },
  };
}

/** Runs `prefix`, the mart's query and `suffix` as one statement on the warehouse. */
type RunQuery = (client: SqlClient, prefix: string, suffix?: string) => Promise<void>;
type IncrementalConfig = Extract<MartConfig, { materialized: "incremental" }>;

/**
 * Stages a merge into the existing target: the query's rows in the lookback window that the
 * merge must write (new keys, rows that differ from the target's row of their key, and every row
 * of a key the window holds twice, so the unique test still sees the duplicate), computed in one
 * statement with the window materialized once. Rows equal to the target's are left out: they
 * would rewrite the same values, leaving a dead tuple each and costing what the window holds
 * rather than what changed; the would-be table (the target's rows the written ones do not
 * replace, plus the written ones) is the same either way.
 */
async function stageMerge(
  ctx: MaterializeContext,
  source: SqlAssetSource,
  config: IncrementalConfig,
  db: SqlClient,
  { run, runWithMemory }: { run: RunQuery; runWithMemory: RunQuery },
  { stage, tested }: { stage: string; tested: string },
  dataVersion: string,
): Promise<MaterializeResult> {
  const target = relationOf(source.key);
  const keys = config.unique_key;
  const updatedAt = quoteIdent(config.updated_at);
  const [row] = await db.query<{ since: string | null }>(
    `select (max(${updatedAt}) - interval '${config.lookback_days} days')::text as since
     from ${target}`,
  );
  const since = row.since ?? undefined;
  const window = since === undefined ? "" : ` where m.${updatedAt} >= '${since}'`;
  // The stage takes the query's columns; filled below.
  await run(db, `create table ${stage} as select * from (`, `) as m with no data`);
  // Labelled with its run, so vacuum can tell a stage left by a failed or killed build.
  await db.exec(labelStage("table", stage, ctx.runId));
  const columns = await columnsIfSameShape(db, target, stage);
  // A query whose columns changed writes its whole window (the old rows cannot be compared).
  const pruned = columns !== undefined;
  if (pruned) await fillChangedRows(db, runWithMemory, stage, target, window, columns, keys);
  else await runWithMemory(db, `insert into ${stage} select * from (`, `) as m${window}`);
  const [{ rows }] = await db.query<{ rows: number }>(`select count(*)::int as rows from ${stage}`);
  // Tests see the table as it will be: the target's rows the stage does not replace, plus the
  // stage. Tests that judge rows one at a time read only the stage when the target's rows passed
  // these same tests (runtime/sql/data_tests.ts, MergeRelations).
  const match = keys.map((k) => `s.${quoteIdent(k)} = t.${quoteIdent(k)}`).join(" and ");
  await db.exec(
    `create view ${tested} as select * from ${target} as t where not exists ` +
      `(select 1 from ${stage} as s where ${match}) union all select * from ${stage}`,
  );
  const testedBefore = (await testsVersionOf(db, target)) === source.testsVersion;
  return {
    rows,
    dataVersion,
    metadata: {
      engine: "postgres",
      materialized: "incremental",
      staged_relation: tested,
      mode: "merge",
      ...(since !== undefined && { lookback_from: since }),
      rows_written: rows,
      unchanged_rows_skipped: pruned,
      ...(testedBefore && { written_relation: stage }),
    },
    inCommit: async (tx) => {
      await tx.exec(`drop view ${tested}`);
      if (rows > 0) await mergeInto(tx, target, stage, keys);
      else await tx.exec(`drop table ${stage}`);
      // Indexes declared since the table was built, and updated_at's (see ensureIndexes).
      await ensureIndexes(tx, source.key, config, keys);
      await recordTestsVersion(tx, target, source.testsVersion);
      // Statistics commit with the rows; a merge that wrote nothing changed none.
      if (rows > 0) await tx.exec(`analyze ${target}`);
    },
  };
}

/** A column as the merge compares it. */
interface Column {
  readonly name: string;
  /** Whether `=` on its type holds only for identical values (so no cast is needed). */
  readonly exact: boolean;
}

/**
 * Types whose equality means identical values. Others are compared as text: `=` takes numeric
 * 1.0 and 1.00, float 0 and -0, char 'a' and 'a ' as equal although a rebuild would write the
 * other one, and json has no `=` at all.
 */
const EXACT_TYPES = new Set([
  "text",
  "character varying",
  "boolean",
  "smallint",
  "integer",
  "bigint",
  "date",
  "timestamp without time zone",
  "timestamp with time zone",
  "uuid",
  "bytea",
]);

function isExactType(type: string): boolean {
  const base = type.replace(/\(.*\)$/, "");
  // numeric(p,s) stores every value at scale s; unconstrained numeric keeps the scale it got.
  return EXACT_TYPES.has(base) || (base === "numeric" && base !== type);
}

/** Fills the stage with the window's rows that the merge must write (see stageMerge). */
async function fillChangedRows(
  db: SqlClient,
  run: RunQuery,
  stage: string,
  target: string,
  window: string,
  columns: readonly Column[],
  keys: readonly string[],
): Promise<void> {
  const of = (alias: string) =>
    `(${
      columns.map((c) => `${alias}.${quoteIdent(c.name)}${c.exact ? "" : "::text"}`).join(", ")
    })`;
  const on = (alias: string) =>
    keys.map((k) => `${alias}.${quoteIdent(k)} = w.${quoteIdent(k)}`).join(" and ");
  const keyList = keys.map(quoteIdent).join(", ");
  // Joins, not IN (subquery): a hash join spills to disk where a subplan over a big window
  // would not be hashed.
  await run(
    db,
    `insert into ${stage} with w as materialized (select * from (`,
    `) as m${window}) select w.* from w left join ${target} as t on ${on("t")} ` +
      `left join (select ${keyList} from w group by ${keyList} having count(*) > 1) as d ` +
      `on ${on("d")} where t.${quoteIdent(keys[0])} is null ` +
      `or d.${quoteIdent(keys[0])} is not null ` +
      `or ${of("w")} is distinct from ${of("t")}`,
  );
}

/** The stage's columns when the target has the same names and types in the same order. */
async function columnsIfSameShape(
  db: SqlClient,
  target: string,
  stage: string,
): Promise<Column[] | undefined> {
  const shape = (relation: string) =>
    db.query<{ name: string; type: string }>(
      `select attname as name, format_type(atttypid, atttypmod) as type from pg_attribute
       where attrelid = $1::regclass and attnum > 0 and not attisdropped order by attnum`,
      [relation],
    );
  const [mine, theirs] = [await shape(stage), await shape(target)];
  const same = mine.length === theirs.length &&
    mine.every((c, i) => c.name === theirs[i].name && c.type === theirs[i].type);
  return same ? mine.map((c) => ({ name: c.name, exact: isExactType(c.type) })) : undefined;
}

const TESTS_LABEL = "sluice data tests ";

/** Records on the target which data tests its rows passed, for the next merge (see stageMerge). */
async function recordTestsVersion(
  tx: AppTransaction,
  target: string,
  testsVersion: string,
): Promise<void> {
  await tx.exec(`comment on table ${target} is '${TESTS_LABEL}${testsVersion}'`);
}

async function testsVersionOf(db: SqlClient, target: string): Promise<string | undefined> {
  const [row] = await db.query<{ comment: string | null }>(
    `select obj_description($1::regclass, 'pg_class') as comment`,
    [target],
  );
  return row.comment?.startsWith(TESTS_LABEL) ? row.comment.slice(TESTS_LABEL.length) : undefined;
}

/**
 * Runs `prefix`, the mart's query and `suffix` as one statement; an error Postgres reports on it
 * (it has a SQLSTATE) becomes a SqlError naming the file, line and column of the query.
 */
async function execQuery(
  client: Pick<SqlClient, "exec">,
  source: SqlAssetSource,
  query: MappedSql,
  prefix: string,
  suffix: string,
): Promise<void> {
  const statement = wrapQuery(prefix, query, suffix).text;
  try {
    await client.exec(statement);
  } catch (error) {
    const failure = postgresFailure(error);
    if (failure === undefined) throw error;
    throw sqlErrorFor(source, query, statement, failure, error);
  }
}

/** What Postgres (server or PGlite) said about a statement: a SQLSTATE, a message, a position. */
function postgresFailure(error: unknown): EngineFailure | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { code, message, position } = error as {
    code?: unknown;
    message?: unknown;
    position?: unknown;
  };
  if (typeof code !== "string" || !/^[0-9A-Z]{5}$/.test(code) || typeof message !== "string") {
    return undefined;
  }
  // Postgres counts characters from 1.
  const at = Number(position);
  return {
    message: `${message} (SQLSTATE ${code})`,
    position: position === undefined || !Number.isInteger(at) || at < 1 ? undefined : at - 1,
  };
}

/** Upserts the staged window into the target on its unique key: merged, never duplicated. */
async function mergeInto(
  tx: AppTransaction,
  target: string,
  stage: string,
  keys: readonly string[],
): Promise<void> {
  const columns = (await tx.query<{ name: string }>(
    `select a.attname as name from pg_attribute a
     where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped order by a.attnum`,
    [stage],
  )).map((c) => c.name);
  const updates = columns.filter((c) => !keys.includes(c))
    .map((c) => `${quoteIdent(c)} = excluded.${quoteIdent(c)}`);
  const list = columns.map(quoteIdent).join(", ");
  await tx.exec(
    `insert into ${target} (${list}) select ${list} from ${stage} ` +
      `on conflict (${keys.map(quoteIdent).join(", ")}) do ` +
      (updates.length > 0 ? `update set ${updates.join(", ")}` : "nothing") +
      `; drop table ${stage}`,
  );
}

/**
 * Replaces the target's rows with the stage's. Same columns: delete and insert, so views on the
 * target keep working; new columns: the stage is renamed into place.
 */
async function replaceTable(
  tx: AppTransaction,
  key: AssetKey,
  stage: string,
): Promise<void> {
  const target = relationOf(key);
  const [shape] = await tx.query<{ same: boolean | null }>(
    `select (select string_agg(attname || ':' || format_type(atttypid, atttypmod), ',' order by attnum)
               from pg_attribute where attrelid = to_regclass($1) and attnum > 0 and not attisdropped)
          = (select string_agg(attname || ':' || format_type(atttypid, atttypmod), ',' order by attnum)
               from pg_attribute where attrelid = $2::regclass and attnum > 0 and not attisdropped)
       as same`,
    [target, stage],
  );
  if (shape.same) {
    await tx.exec(
      `delete from ${target}; insert into ${target} select * from ${stage}; drop table ${stage}`,
    );
    return;
  }
  await tx.exec(
    `drop table if exists ${target}; alter table ${stage} rename to ${
      quoteIdent(key.slice(key.indexOf(".") + 1))
    }`,
  );
}

async function ensureIndexes(
  tx: AppTransaction,
  key: AssetKey,
  config: MartConfig,
  uniqueKey: readonly string[],
): Promise<void> {
  const target = relationOf(key);
  const table = key.slice(key.indexOf(".") + 1);
  if (uniqueKey.length > 0) {
    await tx.exec(
      `create unique index if not exists ${quoteIdent(`${table}__unique_key`)} on ${target} (${
        uniqueKey.map(quoteIdent).join(", ")
      })`,
    );
  }
  if (config.materialized === "view") return;
  // A merge starts from max(updated_at) of the target: an index answers it without a scan.
  const updatedAt = config.materialized === "incremental" ? [[config.updated_at]] : [];
  for (const columns of [...updatedAt, ...(config.indexes ?? [])]) {
    await tx.exec(
      `create index if not exists ${quoteIdent(`${table}__${columns.join("_")}`)} on ${target} (${
        columns.map(quoteIdent).join(", ")
      })`,
    );
  }
}

/**
 * Creates the mart's schema unless it exists. Marts of one schema build side by side, and two
 * concurrent `create schema if not exists` of a new schema race on Postgres (the loser fails
 * with a unique violation on pg_namespace): the creation holds the same DDL lock as the
 * warehouse's publish (resources/warehouse/publish_partition.ts), so one creates it and the
 * others see it.
 */
async function ensureSchema(db: SqlClient, schema: string): Promise<void> {
  const [{ found }] = await db.query<{ found: boolean }>(
    "select exists (select 1 from pg_namespace where nspname = $1) as found",
    [schema],
  );
  if (found) return;
  await db.transaction(async (tx) => {
    await tx.query("select pg_advisory_xact_lock(hashtext($1))", [`sluice.ddl:${schema}`]);
    await tx.exec(`create schema if not exists ${quoteIdent(schema)}`);
  });
}

async function relationExists(db: SqlClient, key: AssetKey): Promise<boolean> {
  const [row] = await db.query<{ oid: string | null }>(`select to_regclass($1)::text as oid`, [
    relationOf(key),
  ]);
  return row.oid !== null;
}
