// Applies a schema's SQL migrations in order, each in its own transaction, and records them with
// a checksum in <schema>.schema_migrations so an edited, already applied file is caught. The
// engine's own are sql/platform; an application registers its schemas' sets (MigrationSet).
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { RuntimeInvariantError } from "../../errors.ts";
import type { SqlClient } from "../../sql_client.ts";

export const PLATFORM_MIGRATIONS_DIR = new URL("../../../sql/platform/", import.meta.url);

/** Serializes migrators across processes; any constant works as long as every process agrees. */
const MIGRATION_LOCK_KEY = 7_310_252_051;

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly file: string;
  readonly sql: string;
  readonly checksum: string;
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

const FILE_PATTERN = /^(\d+)_([a-z0-9_]+)\.sql$/;

/** Reads `NNNN_name.sql` files in version order; a misnamed or duplicated version fails. */
export async function readMigrations(dir: URL = PLATFORM_MIGRATIONS_DIR): Promise<Migration[]> {
  const path = fileURLToPath(dir);
  const migrations: Migration[] = [];
  for await (const entry of Deno.readDir(path)) {
    if (!entry.isFile || !entry.name.endsWith(".sql")) continue;
    const match = FILE_PATTERN.exec(entry.name);
    if (!match) {
      throw new RuntimeInvariantError(
        `Cannot read migration '${entry.name}' in ${path}: expected a name like '0002_add_index.sql'`,
      );
    }
    const sql = await Deno.readTextFile(new URL(entry.name, dir));
    migrations.push({
      version: Number(match[1]),
      name: match[2],
      file: entry.name,
      sql,
      checksum: createHash("sha256").update(sql).digest("hex"),
    });
  }
  migrations.sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i].version === migrations[i - 1].version) {
      throw new RuntimeInvariantError(
        `Cannot order migrations '${migrations[i - 1].file}' and '${
          migrations[i].file
        }': both have version ${migrations[i].version}; renumber one of them`,
      );
    }
  }
  return migrations;
}

/**
 * Applies every pending migration of `schema`; returns the versions it applied. Each step takes
 * a transaction-scoped advisory lock first, so concurrent migrators queue up and the later ones
 * find the work done. A schema other than platform gets its bookkeeping table created here.
 */
export async function migrate(
  client: SqlClient,
  dir: URL = PLATFORM_MIGRATIONS_DIR,
  schema = "platform",
): Promise<number[]> {
  if (!SCHEMA_NAME.test(schema)) {
    throw new RuntimeInvariantError(
      `Cannot migrate schema '${schema}': expected a lowercase name like 'ingest'`,
    );
  }
  const migrations = await readMigrations(dir);
  const applied: number[] = [];
  while (true) {
    const version = await client.transaction((tx) => applyNext(tx, migrations, schema));
    if (version === undefined) return applied;
    applied.push(version);
  }
}

const SCHEMA_NAME = /^[a-z][a-z0-9_]*$/;

async function applyNext(
  tx: SqlClient,
  migrations: readonly Migration[],
  schema: string,
): Promise<number | undefined> {
  // One lock for every schema's migrations: they are rare, and one order is easy to reason about.
  await tx.query("select pg_advisory_xact_lock($1::bigint)", [MIGRATION_LOCK_KEY]);
  if (schema !== "platform") {
    await tx.exec(
      `create schema if not exists ${schema};
       create table if not exists ${schema}.schema_migrations (
         version integer primary key, name text not null, checksum text not null,
         applied_at timestamptz not null default now())`,
    );
  }
  const applied = await appliedMigrations(tx, schema);
  for (const migration of migrations) {
    const row = applied.get(migration.version);
    if (row) {
      verifyUnchanged(migration, row);
      continue;
    }
    await tx.exec(migration.sql);
    await tx.query(
      `insert into ${schema}.schema_migrations (version, name, checksum) values ($1, $2, $3)`,
      [migration.version, migration.name, migration.checksum],
    );
    return migration.version;
  }
  return undefined;
}

async function appliedMigrations(tx: SqlClient, schema: string): Promise<Map<number, AppliedRow>> {
  const [{ exists }] = await tx.query<{ exists: boolean }>(
    `select to_regclass('${schema}.schema_migrations') is not null as exists`,
  );
  if (!exists) return new Map();
  const rows = await tx.query<AppliedRow>(
    `select version, name, checksum from ${schema}.schema_migrations order by version`,
  );
  return new Map(rows.map((row) => [row.version, row]));
}

function verifyUnchanged(migration: Migration, row: AppliedRow): void {
  if (row.checksum === migration.checksum) return;
  throw new RuntimeInvariantError(
    `Migration '${migration.file}' changed after it was applied (checksum ${
      row.checksum.slice(0, 12)
    } recorded, ${
      migration.checksum.slice(0, 12)
    } on disk): restore the file and put the change in a new numbered migration`,
  );
}
