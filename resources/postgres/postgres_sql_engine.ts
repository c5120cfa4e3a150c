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
}

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
      buildMart(ctx, source, warehouseOf(ctx), (key) => publishers.get(key) ?? key),
    openTestSession(ctx, source) {
      const db = warehouseOf(ctx);
      const staged = ctx.metadata.staged_relation;
      if (typeof staged !== "string") {
        throw new SluiceError(`Cannot test ${source.key}: its build named no staged relation`);
      }
      const session: TestSession = {
        self: staged,
        now: ctx.now,
        relationOf,
        all: (sql) => db.query(sql),
        close: () => Promise.resolve(),
      };
      return Promise.resolve(session);
    },
  };
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
): Promise<MaterializeResult> {
  const config = martConfig(source);
  const sql = renderPostgresSql(source);
  const query = source.query(relationOf);
  const run = (client: Pick<SqlClient, "exec">, prefix: string, suffix = "") =>
    execQuery(client, source, query, prefix, suffix);
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
  let since: string | undefined;
  if (incremental) {
    const [row] = await db.query<{ since: string | null }>(
      `select (max(${
        quoteIdent(config.updated_at)
      }) - interval '${config.lookback_days} days')::text
         as since from ${target}`,
    );
    since = row.since ?? undefined;
  }
  if (since === undefined || config.materialized !== "incremental") {
    await run(db, `create table ${stage} as`);
  } else {
    await run(
      db,
      `create table ${stage} as select * from (`,
      `) as m where m.${quoteIdent(config.updated_at)} >= '${since}'`,
    );
  }
  // Labelled with its run, so vacuum can tell a stage left by a failed or killed build.
  await db.exec(labelStage("table", stage, ctx.runId));
  const [{ rows }] = await db.query<{ rows: number }>(`select count(*)::int as rows from ${stage}`);
  const keys = config.materialized === "incremental" ? config.unique_key : [];
  // Tests see the table as it will be: for a merge, the target's rows the window does not
  // replace plus the staged window.
  let tested = stage;
  if (incremental) {
    tested = `${quoteIdent(schemaOf(source.key))}.${quoteIdent(`${stageName}_result`)}`;
    const match = keys.map((k) => `s.${quoteIdent(k)} = t.${quoteIdent(k)}`).join(" and ");
    await db.exec(
      `create view ${tested} as select * from ${target} as t where not exists ` +
        `(select 1 from ${stage} as s where ${match}) union all select * from ${stage}`,
    );
  }
  const metadata = {
    engine: "postgres",
    materialized: config.materialized,
    staged_relation: tested,
    mode: incremental ? "merge" : "rebuild",
    ...(since !== undefined && { lookback_from: since }),
  };
  return {
    rows,
    dataVersion,
    metadata,
    inCommit: async (tx) => {
      if (incremental) {
        await tx.exec(`drop view ${tested}`);
        await mergeInto(tx, target, stage, keys);
      } else {
        await replaceTable(tx, source.key, stage);
        await ensureIndexes(tx, source.key, config, keys);
      }
      // Statistics commit with the rows: marts that read this one plan on what it holds now.
      await tx.exec(`analyze ${target}`);
    },
  };
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
  for (const columns of config.indexes ?? []) {
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
