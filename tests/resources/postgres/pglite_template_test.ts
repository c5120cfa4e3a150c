// A database made from the template of a fresh cluster is the same as one made by initdb, each is
// independent, an existing data dir is never overwritten, and a bad cached template is survived.
import assert from "node:assert/strict";
import { PGlite } from "@electric-sql/pglite";
import {
  createPglite,
  isClusterTarball,
  makeTemplateTarball,
  PgliteTemplate,
} from "../../../resources/postgres/pglite_template.ts";

/** One template for the file's tests, made once, as a process makes it. */
const template = new PgliteTemplate();

/** Settings and catalog facts the store relies on; no data dir or start-time values. */
async function describe(pg: PGlite): Promise<unknown> {
  const settings = await pg.query(
    `SELECT name, setting FROM pg_settings
      WHERE name NOT IN ('data_directory', 'config_file', 'hba_file', 'ident_file')
      ORDER BY name`,
  );
  const databases = await pg.query(
    `SELECT datname, pg_encoding_to_char(encoding) AS encoding, datcollate, datctype,
            datlocprovider FROM pg_database ORDER BY datname`,
  );
  const roles = await pg.query(`SELECT rolname, rolsuper FROM pg_roles ORDER BY rolname`);
  const who = await pg.query(`SELECT current_user, current_database()`);
  return { settings: settings.rows, databases: databases.rows, roles: roles.rows, who: who.rows };
}

Deno.test("a database made from the template has the same settings and catalog as initdb's", async () => {
  const fromInitdb = await PGlite.create();
  const fromTemplate = await createPglite(undefined, template);
  try {
    const expected = await describe(fromInitdb);
    assert.deepEqual(await describe(fromTemplate), expected);
    const db = await fromTemplate.query<{ encoding: string; tz: string }>(
      `SELECT pg_encoding_to_char(encoding) AS encoding, current_setting('TimeZone') AS tz
         FROM pg_database WHERE datname = 'postgres'`,
    );
    assert.deepEqual(db.rows, [{ encoding: "UTF8", tz: "UTC" }]);
  } finally {
    await fromInitdb.close();
    await fromTemplate.close();
  }
});

Deno.test("two databases made from the same template do not see each other's writes", async () => {
  const a = await createPglite(undefined, template);
  const b = await createPglite(undefined, template);
  try {
    await a.exec("CREATE TABLE t (x int); INSERT INTO t VALUES (1)");
    const seen = await b.query(`SELECT to_regclass('public.t') AS t`);
    assert.deepEqual(seen.rows, [{ t: null }]);
  } finally {
    await a.close();
    await b.close();
  }
});

Deno.test("a new data dir made from the template keeps its writes and is reopened, not overwritten", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const first = await createPglite(`${dir}/pg`, template);
    await first.exec("CREATE TABLE kept (x int); INSERT INTO kept VALUES (7)");
    await first.close();
    const again = await createPglite(`${dir}/pg`, template);
    try {
      assert.deepEqual((await again.query(`SELECT x FROM kept`)).rows, [{ x: 7 }]);
    } finally {
      await again.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the template is written to its cache file and read back by the next process", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const cacheFile = `${dir}/cache/sluice/template.tar`;
    let made = 0;
    const first = new PgliteTemplate({
      cacheFile,
      make: () => {
        made++;
        return makeTemplateTarball();
      },
    });
    const tarball = await first.tarball();
    assert.deepEqual((await first.tarball()).size, tarball.size);
    assert.deepEqual(made, 1);
    assert.deepEqual((await Deno.stat(cacheFile)).size, tarball.size);
    const leftovers = [...Deno.readDirSync(`${dir}/cache/sluice`)].map((e) => e.name);
    assert.deepEqual(leftovers, ["template.tar"]);

    const next = new PgliteTemplate({
      cacheFile,
      make: () => Promise.reject(new Error("the cached template should have been read")),
    });
    const pg = await createPglite(undefined, next);
    try {
      assert.deepEqual((await pg.query(`SELECT 1 AS one`)).rows, [{ one: 1 }]);
    } finally {
      await pg.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a cached file that is not a cluster's tarball is replaced by a fresh template", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const cacheFile = `${dir}/template.tar`;
    await Deno.writeFile(cacheFile, new TextEncoder().encode("not a tarball".repeat(100)));
    const pg = await createPglite(`${dir}/pg`, new PgliteTemplate({ cacheFile }));
    try {
      await pg.exec("CREATE TABLE t (x int); INSERT INTO t VALUES (1)");
      assert.deepEqual((await pg.query(`SELECT x FROM t`)).rows, [{ x: 1 }]);
    } finally {
      await pg.close();
    }
    assert.ok(isClusterTarball(await Deno.readFile(cacheFile)), "the cache holds a template now");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a template that fails to start is dropped and the new data dir is made by initdb", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const good = new Uint8Array(await (await template.tarball()).arrayBuffer());
    const cacheFile = `${dir}/template.tar`;
    await Deno.writeFile(cacheFile, withPgVersion(good, "99\n"));
    const pg = await createPglite(`${dir}/pg`, new PgliteTemplate({ cacheFile }));
    try {
      await pg.exec("CREATE TABLE t (x int); INSERT INTO t VALUES (1)");
      assert.deepEqual((await pg.query(`SELECT x FROM t`)).rows, [{ x: 1 }]);
      const version = await Deno.readTextFile(`${dir}/pg/PG_VERSION`);
      assert.notEqual(version, "99\n");
    } finally {
      await pg.close();
    }
    assert.ok(!(await exists(cacheFile)), "the template that failed is removed from the cache");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The tarball with PG_VERSION's content (same length) replaced: a cluster Postgres refuses. */
function withPgVersion(tarball: Uint8Array, content: string): Uint8Array {
  const copy = tarball.slice();
  const decoder = new TextDecoder();
  for (let offset = 0; offset + 512 <= copy.length;) {
    const name = decoder.decode(copy.subarray(offset, offset + 100)).replace(/\0.*$/s, "");
    const size = parseInt(decoder.decode(copy.subarray(offset + 124, offset + 135)), 8);
    if (name.replace(/^\/+/, "") === "PG_VERSION") {
      assert.equal(size, content.length);
      copy.set(new TextEncoder().encode(content), offset + 512);
      return copy;
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error("the template has no PG_VERSION");
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
