// SQL marts for tests of the Postgres engine: files written to a temporary folder and loaded as
// they would be from sql/marts/, with the Postgres engine as the default, and the source tables
// they read.
import { join } from "node:path";
import { type AnyAsset, defineAsset } from "../../runtime/definitions/asset.ts";
import { hashParts } from "../../runtime/definitions/version.ts";
import type { AppTransaction } from "../../runtime/sql_client.ts";
import { postgresSqlEngine } from "../../resources/postgres/postgres_sql_engine.ts";
import { loadSqlAssets } from "../../runtime/sql/sql_asset.ts";

/** The assets of `files` (file name → SQL text), loaded on the Postgres engine. */
export async function postgresMartsIn(files: Record<string, string>) {
  const dir = await Deno.makeTempDir({ prefix: "sluice-marts-" });
  try {
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(join(dir, name), text);
    }
    return await loadSqlAssets(dir, {
      engines: { postgres: postgresSqlEngine() },
      defaultEngine: "postgres",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * A source table the test rewrites: `key` created with `ddl`, its rows (the `columns` of each) written
 * in the commit with its pointer, as a publisher writes.
 */
export function warehouseTableAsset<R extends object>(
  key: string,
  ddl: string,
  columns: readonly string[],
  rows: () => readonly R[],
): AnyAsset {
  return defineAsset({
    key,
    codeVersion: "src-v1",
    materialize() {
      const current = rows();
      return Promise.resolve({
        rows: current.length,
        data: JSON.stringify(current),
        dataVersion: hashParts(current.map((r) => JSON.stringify(r))),
        inCommit: async (tx: AppTransaction) => {
          // Two sources commit side by side; on Postgres two creations of one schema race.
          await tx.query("select pg_advisory_xact_lock(hashtext('test.src'))");
          await tx.exec(`create schema if not exists src; create table if not exists ${key} ${ddl};
             delete from ${key}`);
          for (const r of current) {
            await tx.query(
              `insert into ${key} values (${columns.map((_, i) => `$${i + 1}`).join(", ")})`,
              columns.map((c) => (r as Record<string, unknown>)[c]),
            );
          }
        },
      });
    },
  });
}
