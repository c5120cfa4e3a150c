// Migrations: applied once in order, recorded with a checksum, and refused when an applied file
// was edited afterwards.
import assert from "node:assert/strict";
import { openPgliteClient } from "../../../resources/postgres/pglite_client.ts";
import { RuntimeInvariantError } from "../../../runtime/errors.ts";
import {
  migrate,
  PLATFORM_MIGRATIONS_DIR,
  readMigrations,
} from "../../../runtime/store/sql/migrate.ts";
import type { SqlClient } from "../../../runtime/sql_client.ts";

async function withCopyOfMigrations(fn: (dir: URL, sql: SqlClient) => Promise<void>) {
  const path = await Deno.makeTempDir({ prefix: "sluice_migrations_" });
  const sql = await openPgliteClient(":memory:");
  try {
    for await (const entry of Deno.readDir(PLATFORM_MIGRATIONS_DIR)) {
      await Deno.copyFile(new URL(entry.name, PLATFORM_MIGRATIONS_DIR), `${path}/${entry.name}`);
    }
    await fn(new URL(`file://${path}/`), sql);
  } finally {
    await sql.close();
    await Deno.remove(path, { recursive: true });
  }
}

Deno.test("migrate() applies pending migrations once, in order, and records their checksums", async () => {
  await withCopyOfMigrations(async (dir, sql) => {
    const shipped = await readMigrations(dir);
    assert.deepEqual(await migrate(sql, dir), shipped.map((m) => m.version));
    assert.equal(shipped[0].version, 1);
    assert.deepEqual(await migrate(sql, dir), []);
    await Deno.writeTextFile(
      new URL("9001_add_note.sql", dir),
      "alter table platform.runs add column note text;",
    );
    assert.deepEqual(await migrate(sql, dir), [9001]);
    const rows = await sql.query<{ version: number; name: string; checksum: string }>(
      "select version, name, checksum from platform.schema_migrations order by version",
    );
    assert.deepEqual(rows.map((row) => [row.version, row.name]), [
      ...shipped.map((m) => [m.version, m.name]),
      [9001, "add_note"],
    ]);
    assert.ok(rows.every((row) => /^[0-9a-f]{64}$/.test(row.checksum)));
  });
});

Deno.test("migrate() refuses to run when an applied migration file has changed", async () => {
  await withCopyOfMigrations(async (dir, sql) => {
    await migrate(sql, dir);
    const file = new URL("0001_init.sql", dir);
    await Deno.writeTextFile(file, `${await Deno.readTextFile(file)}\n-- edited\n`);
    await assert.rejects(
      migrate(sql, dir),
      (error) =>
        error instanceof RuntimeInvariantError &&
        /^Migration '0001_init\.sql' changed after it was applied/.test(error.message),
    );
  });
});

Deno.test("migrate() rolls a failing migration back and applies nothing of it", async () => {
  await withCopyOfMigrations(async (dir, sql) => {
    await migrate(sql, dir);
    await Deno.writeTextFile(
      new URL("9001_broken.sql", dir),
      "create table platform.half (a int); select no_such_function();",
    );
    await assert.rejects(migrate(sql, dir), /no_such_function/);
    const [{ exists }] = await sql.query<{ exists: boolean }>(
      "select to_regclass('platform.half') is not null as exists",
    );
    assert.equal(exists, false);
  });
});

Deno.test("migrate() rejects a file that does not follow the NNNN_name.sql pattern", async () => {
  await withCopyOfMigrations(async (dir, sql) => {
    await Deno.writeTextFile(new URL("add-index.sql", dir), "select 1;");
    await assert.rejects(migrate(sql, dir), /Cannot read migration 'add-index\.sql'/);
  });
});
