// Measures the DuckDB resource: how long opening a database takes, and how fast copyToParquet
// writes ~4 million narrow rows. Reports medians of repeated runs, as the design asks.
// Run: deno run -A bench/duckdb_parquet.ts [rows] [runs]
import { join } from "node:path";

const rows = Number(Deno.args[0] ?? 4_000_000);
const runs = Number(Deno.args[1] ?? 3);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function ms(value: number): string {
  return `${value.toFixed(1)} ms`;
}

// The first import loads the native addon, a cost every process pays once.
let started = performance.now();
const { openDuckDb } = await import("../resources/duckdb/duckdb.ts");
const importMs = performance.now() - started;

started = performance.now();
(await openDuckDb()).close();
const firstOpenMs = performance.now() - started;

const openTimes: number[] = [];
for (let i = 0; i < 10; i++) {
  started = performance.now();
  (await openDuckDb()).close();
  openTimes.push(performance.now() - started);
}

const dir = await Deno.makeTempDir({ prefix: "sluice-bench-duckdb-" });
const db = await openDuckDb();
try {
  // Built once in memory so each run times the Parquet write, not the row generation.
  await db.run(`
    CREATE TABLE events AS
    SELECT i AS event_id,
           (i * 2654435761) % 200000 AS user_id,
           round(((i * 7919) % 100000) / 100.0, 2)::DOUBLE AS amount,
           TIMESTAMP '2026-11-01' + to_seconds((i % 86400)::BIGINT) AS event_time
    FROM range(${rows}) r(i)`);
  const writeTimes: number[] = [];
  let bytes = 0;
  for (let run = 0; run < runs; run++) {
    const file = join(dir, `events-${run}.parquet`);
    started = performance.now();
    const written = await db.copyToParquet("SELECT * FROM events", file);
    writeTimes.push(performance.now() - started);
    if (written !== rows) throw new Error(`Expected ${rows} rows written, got ${written}`);
    bytes = (await Deno.stat(file)).size;
  }
  const writeMs = median(writeTimes);
  console.log(`DuckDB import (native addon load): ${ms(importMs)}`);
  console.log(
    `openDuckDb() in-memory: first ${ms(firstOpenMs)}, median of 10 ${ms(median(openTimes))}`,
  );
  console.log(
    `copyToParquet ${rows.toLocaleString("en")} rows x 4 cols (ZSTD), ${runs} runs: ` +
      `median ${ms(writeMs)} [${writeTimes.map((t) => t.toFixed(0)).join(", ")}], ` +
      `${(rows / writeMs * 1000 / 1e6).toFixed(2)} M rows/s, ` +
      `${(bytes / 1e6).toFixed(1)} MB file, ${(bytes / 1e6 / (writeMs / 1000)).toFixed(1)} MB/s`,
  );
} finally {
  db.close();
  await Deno.remove(dir, { recursive: true });
}
