// Times silver and gold on one generated day: lands N events, turns them into bronze-shaped
// Parquet directly (not through the bronze assets), then materializes the DuckDB transforms.
// Usage: deno run -A bench/transforms_bench.ts <landing dir> <day YYYY-MM-DD>
import { join } from "node:path";
import { EVENT_DAYS_START } from "../assets/partitions.ts";
import { loadTransforms } from "../assets/transforms.ts";
import { TOPICS } from "../contracts/events/mod.ts";
import { defineAsset } from "../runtime/definitions/asset.ts";
import { daily } from "../runtime/partitions/daily_partitions.ts";
import { openDuckDb } from "../resources/duckdb/duckdb.ts";
import { DATA_FILE } from "../resources/duckdb/duckdb_sql_engine.ts";
import { openHarness } from "../tests/support/runtime_harness.ts";

const [landing, day] = Deno.args;
if (!landing || !day) throw new Error("Usage: transforms_bench.ts <landing dir> <YYYY-MM-DD>");

// Bronze stand-ins: every landed line of the topic whose event date is the partition's day.
const bronze = TOPICS.map((topic) =>
  defineAsset({
    key: `bronze.${topic}`,
    partitions: daily({ start: EVENT_DAYS_START }),
    async materialize(ctx) {
      const db = await openDuckDb();
      try {
        const rows = await db.copyToParquet(
          `SELECT '${topic}' AS _topic, 0 AS _partition, CAST(row_number() OVER () AS BIGINT) AS _offset,
             now() AS _ingested_at, CAST(left(line ->> 'event_time', 10) AS DATE) AS event_date,
             line AS payload
           FROM read_csv('${landing}/${topic}/*/*.ndjson', columns = {'line': 'VARCHAR'},
             header = false, delim = '\x1f', quote = '', escape = '')
           WHERE left(line ->> 'event_time', 10) = '${ctx.partition}'`,
          join(ctx.output.dir, DATA_FILE),
        );
        return { rows };
      } finally {
        db.close();
      }
    },
  })
);

const h = await openHarness([...bronze, ...await loadTransforms()]);
try {
  for (const selection of ["group:bronze, group:seeds", "group:silver", "group:gold"]) {
    const started = performance.now();
    const outcome = await h.run({ selection, partitions: day });
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    console.log(`${selection.padEnd(26)} ${outcome.run?.status} in ${seconds} s`);
    for (const step of outcome.run?.steps ?? []) {
      console.log(
        `  ${step.assetKey.padEnd(24)} ${
          String(step.rows).padStart(8)
        } rows ${step.durationMs} ms ${step.status === "succeeded" ? "" : step.reason}`,
      );
    }
  }
  console.log(`peak RSS ${(Deno.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB (current)`);
} finally {
  await h.close();
}
