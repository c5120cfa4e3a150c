// The DuckDB resource against a real in-process DuckDB: rows as plain JS values, parameters,
// Parquet and NDJSON through the bundled extensions, and errors that name the failing SQL.
import assert from "node:assert/strict";
import { join } from "node:path";
import { DuckDbError, openDuckDb } from "../../../resources/duckdb/duckdb.ts";
import { SluiceError } from "../../../runtime/errors.ts";

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "sluice-duckdb-" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("all() returns plain rows with numbers, Dates and ISO day strings", async () => {
  const db = await openDuckDb({ threads: 1 });
  try {
    const [row] = await db.all(`
      SELECT 42 AS i, count(*) AS n, 9007199254740993::BIGINT AS big, 12.50::DECIMAL(10,2) AS d,
             'x' AS s, true AS b, NULL AS nothing,
             TIMESTAMP '2026-11-01 10:30:00' AS ts, TIMESTAMPTZ '2026-11-01 10:30:00+02' AS tstz,
             DATE '2026-11-01' AS day, TIME '01:02:03' AS t,
             [1, 2] AS list, {'k': 1::BIGINT} AS struct
      FROM range(3)`);
    assert.deepEqual(row, {
      i: 42,
      n: 3,
      big: 9007199254740993n,
      d: 12.5,
      s: "x",
      b: true,
      nothing: null,
      ts: new Date("2026-11-01T10:30:00Z"),
      tstz: new Date("2026-11-01T08:30:00Z"),
      day: "2026-11-01",
      t: "01:02:03",
      list: [1, 2],
      struct: { k: 1 },
    });
  } finally {
    db.close();
  }
});

Deno.test("run() and all() bind positional and named parameters", async () => {
  const db = await openDuckDb();
  try {
    await db.run("CREATE TABLE t (id INTEGER, name VARCHAR, seen_at TIMESTAMPTZ, raw BLOB)");
    const at = new Date("2026-11-01T00:00:00Z");
    await db.run("INSERT INTO t VALUES (?, ?, ?, ?)", [1, "a", at, new Uint8Array([1, 2])]);
    await db.run("INSERT INTO t VALUES ($id, $name, $seen, NULL)", {
      id: 2,
      name: "b'c",
      seen: at,
    });
    const rows = await db.all<{ id: number; name: string; seen_at: Date; raw: Uint8Array | null }>(
      "SELECT * FROM t WHERE seen_at = $1 AND id >= $2 ORDER BY id",
      [at, 1],
    );
    assert.deepEqual(rows.map((r) => [r.id, r.name, r.seen_at.toISOString()]), [
      [1, "a", "2026-11-01T00:00:00.000Z"],
      [2, "b'c", "2026-11-01T00:00:00.000Z"],
    ]);
    assert.deepEqual(Array.from(rows[0].raw!), [1, 2]);
  } finally {
    db.close();
  }
});

Deno.test("copyToParquet() writes ZSTD Parquet that read_parquet reads back", async () => {
  await withTempDir(async (dir) => {
    const db = await openDuckDb();
    try {
      const file = join(dir, "it's.parquet");
      const rows = await db.copyToParquet(
        "SELECT i AS id, 'user_' || i AS name FROM range(10000) r(i);",
        file,
        { rowGroupSize: 2048, compressionLevel: 5 },
      );
      assert.equal(rows, 10000);
      const [summary] = await db.all(
        "SELECT count(*) AS n, sum(id) AS total, max(name) AS last FROM read_parquet($1)",
        [file],
      );
      assert.deepEqual(summary, { n: 10000, total: 49995000, last: "user_9999" });
      const meta = await db.all<{ compression: string; groups: number }>(
        `SELECT any_value(compression) AS compression, count(DISTINCT row_group_id) AS groups
         FROM parquet_metadata($1)`,
        [file],
      );
      assert.deepEqual(meta, [{ compression: "ZSTD", groups: 5 }]);
    } finally {
      db.close();
    }
  });
});

Deno.test("read_ndjson_auto() and read_json() read NDJSON offline", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "orders.ndjson");
    await Deno.writeTextFile(
      file,
      '{"order_id":"o1","amount":12.5,"ordered_at":"2026-11-01T10:00:00Z"}\n' +
        '{"order_id":"o2","amount":7,"ordered_at":"2026-11-01T11:00:00Z"}\n',
    );
    const db = await openDuckDb();
    try {
      const auto = await db.all("SELECT order_id, amount FROM read_ndjson_auto($1) ORDER BY 1", [
        file,
      ]);
      assert.deepEqual(auto, [{ order_id: "o1", amount: 12.5 }, { order_id: "o2", amount: 7 }]);
      const [typed] = await db.all(
        `SELECT count(*) AS n, min(ordered_at) AS first
         FROM read_json($1, format = 'newline_delimited',
                        columns = {order_id: 'VARCHAR', amount: 'DOUBLE', ordered_at: 'TIMESTAMPTZ'})`,
        [file],
      );
      assert.deepEqual(typed, { n: 2, first: new Date("2026-11-01T10:00:00Z") });
    } finally {
      db.close();
    }
  });
});

Deno.test("icu time zones work offline and the session zone defaults to UTC", async () => {
  const db = await openDuckDb();
  try {
    const [row] = await db.all(`
      SELECT current_setting('TimeZone') AS zone,
             strftime(timezone('Europe/Paris', TIMESTAMPTZ '2026-07-01 00:00:00+00'), '%H:%M')
               AS paris`);
    assert.deepEqual(row, { zone: "UTC", paris: "02:00" });
  } finally {
    db.close();
  }
});

Deno.test("a failing statement raises a DuckDbError naming the SQL's first line", async () => {
  const db = await openDuckDb();
  try {
    const sql = "\n  SELECT *\n  FROM no_such_table\n";
    await assert.rejects(() => db.all(sql), (error: Error) => {
      assert.ok(error instanceof DuckDbError);
      assert.ok(error instanceof SluiceError);
      assert.match(error.message, /^DuckDB failed on 'SELECT \*': Catalog Error: .*no_such_table/);
      assert.equal(error.message.includes("\n"), false);
      assert.equal(error.sql, sql);
      return true;
    });
    // The connection stays usable after a failure.
    assert.deepEqual(await db.all("SELECT 1 AS one"), [{ one: 1 }]);
  } finally {
    db.close();
  }
});

Deno.test("a closed DuckDB refuses further statements", async () => {
  const db = await openDuckDb();
  db.close();
  db.close();
  await assert.rejects(() => db.all("SELECT 1"), /this DuckDB is closed/);
});

Deno.test("openDuckDb() persists to a file path and rejects bad settings", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "sluice.duckdb");
    const writer = await openDuckDb({ path, threads: 2, memoryLimit: "256MB" });
    await writer.run("CREATE TABLE kept AS SELECT 7 AS v");
    writer.close();
    const reader = await openDuckDb({ path });
    try {
      assert.deepEqual(await reader.all("SELECT v FROM kept"), [{ v: 7 }]);
    } finally {
      reader.close();
    }
    await assert.rejects(() => openDuckDb({ threads: 0 }), /expected a positive integer/);
    await assert.rejects(
      () => openDuckDb({ memoryLimit: "lots" }),
      /Cannot open DuckDB database ':memory:'/,
    );
  });
});
