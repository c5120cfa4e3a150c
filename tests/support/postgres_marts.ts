// SQL marts for tests of the Postgres engine: files written to a temporary folder and loaded as
// they would be from sql/marts/, with the Postgres engine as the default.
import { join } from "node:path";
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
