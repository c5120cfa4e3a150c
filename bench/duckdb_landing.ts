// DuckDB alone on the pipeline bench's input: every landed NDJSON file of each topic read and
// written to one Parquet file per topic, in one process with openDuckDb's defaults (1GB,
// the cores), the baseline bench:pipeline prints beside bronze: what the engine needs for the
// bytes, before validation, deduplication and the metadata store.
// Usage: deno run -A bench/duckdb_landing.ts LANDING_DIR OUTPUT_DIR
import { join } from "node:path";
import { openDuckDb } from "../resources/duckdb/duckdb.ts";
import { TOPICS } from "../contracts/events/mod.ts";

const [landing, output] = Deno.args;
if (landing === undefined || output === undefined) {
  throw new Error("usage: deno run -A bench/duckdb_landing.ts LANDING_DIR OUTPUT_DIR");
}
const db = await openDuckDb();
try {
  for (const topic of TOPICS) {
    const files = join(landing, topic, "*", "*.ndjson").replaceAll("'", "''");
    const target = join(output, `${topic}.parquet`).replaceAll("'", "''");
    // Malformed lines (0.1% of the bench's day) are skipped, as bronze quarantines them.
    await db.run(
      `COPY (SELECT * FROM read_json('${files}', format = 'newline_delimited', ` +
        `ignore_errors = true)) TO '${target}' (FORMAT parquet)`,
    );
  }
} finally {
  db.close();
}
