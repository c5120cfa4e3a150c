// Bronze: each topic's landed events of one day, raw payload kept byte for byte, in Parquet;
// invalid events go to quarantine with their reason, and bronze.rejected_events gathers them.
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import {
  type AssetDefinition,
  defineAsset,
  type SourceAsset,
} from "../runtime/definitions/asset.ts";
import { daily } from "../runtime/partitions/daily_partitions.ts";
import { hashParts } from "../runtime/definitions/version.ts";
import { openDuckDb } from "../resources/duckdb/duckdb.ts";
import { emptyRelation } from "../resources/duckdb/duckdb_sql_engine.ts";
import {
  inputFiles,
  type MaterializeContext,
  type MaterializeResult,
} from "../runtime/definitions/context.ts";
import { mergeParts } from "../ingest/kafka/part_merge.ts";
import {
  BRONZE_FILE,
  ingestDay,
  REJECTED_COLUMNS,
  REJECTED_FILE,
} from "../ingest/landing/day_ingest.ts";
import { EVENT_DAYS_START } from "./partitions.ts";
import type {} from "./resources.ts";

// The ingestion code lives in resources/, outside the materialize functions the runtime
// hashes: its files are the code version, so a change there re-runs bronze.
const INGEST_FILES = [
  "../ingest/landing/day_ingest.ts",
  "../ingest/landing/ingest_worker.ts",
  "../ingest/line_check.ts",
  "../ingest/kafka/segment_writer.ts",
  "../contracts/events/validate.ts",
];
export const BRONZE_CODE_VERSION = hashParts(
  INGEST_FILES.map((file) => Deno.readTextFileSync(fileURLToPath(new URL(file, import.meta.url)))),
);

/** `bronze.<topic>` over each `landing.<topic>` (or `kafka.<topic>`) source, same day. */
export function bronzeAssets(sources: readonly SourceAsset[]): AssetDefinition[] {
  const partitions = daily({ start: EVENT_DAYS_START });
  return sources.map((source) => {
    const topic = source.key.slice(source.key.indexOf(".") + 1);
    return defineAsset({
      key: `bronze.${topic}`,
      group: "bronze",
      description: `Landed ${topic} events of the day, raw payload plus _topic, _partition, ` +
        `_offset, _ingested_at and event_date; invalid ones quarantined with their reason.`,
      partitions,
      deps: [source],
      codeVersion: BRONZE_CODE_VERSION,
      retry: { maxAttempts: 2 },
      async materialize(ctx) {
        if (ctx.resources.kafka !== undefined) return await rewriteParts(ctx);
        const batches = await ctx.resources.landing.batchesOfDay(topic, ctx.partition);
        const result = await ingestDay({
          topic,
          day: ctx.partition,
          batches,
          outputDir: ctx.output.dir,
          signal: ctx.signal,
          duckdb: ctx.resources.duckdbOptions,
        });
        ctx.log.info(`ingested ${topic} ${ctx.partition}`, {
          files: batches.length,
          valid: result.valid,
          rejected: result.rejected,
        });
        return {
          rows: result.rows,
          metadata: {
            files: batches.length,
            valid: result.rows,
            rejected: result.rejectedRows,
            rejected_by_kind: result.rejectedByKind,
          },
        };
      },
    });
  });
}

/** The quarantine of every topic for the day, from the rejected file of each bronze partition. */
export function rejectedEventsAsset(bronze: readonly AssetDefinition[]): AssetDefinition {
  return defineAsset({
    key: "bronze.rejected_events",
    group: "bronze",
    description: "Events that failed their topic's contract: topic, offset, kind, reason and " +
      "the raw payload. Nothing is dropped silently.",
    partitions: daily({ start: EVENT_DAYS_START }),
    deps: bronze,
    async materialize(ctx) {
      const files = inputFiles(bronze.flatMap((asset) => ctx.input(asset)), REJECTED_FILE).sort();
      const db = await openDuckDb({ threads: 1 });
      try {
        await db.run("SET preserve_insertion_order = true");
        const select = files.length === 0
          ? `SELECT * FROM ${emptyRelation(REJECTED_COLUMNS)}`
          : `SELECT * FROM read_parquet([${files.map(sqlString).join(", ")}])
             ORDER BY topic, partition, "offset"`;
        const rows = await db.copyToParquet(select, join(ctx.output.dir, BRONZE_FILE));
        return { rows, metadata: { topics: files.length } };
      } finally {
        db.close();
      }
    },
  });
}

/**
 * Kafka mode: `deno task ingest` appends each batch to the day's bronze as it commits, so the
 * runtime runs bronze only when its code changed or on --force. That run lays the day's current
 * parts out as one; it commits only if nothing was appended meanwhile, else it fails and is
 * retried. (Records are validated once, as they are ingested.)
 */
async function rewriteParts(ctx: MaterializeContext): Promise<MaterializeResult> {
  const current = await ctx.current();
  const dirs = (current?.parts ?? []).map((part) => part.dir);
  const db = await openDuckDb({ threads: 1 });
  try {
    const merged = await mergeParts(db, dirs, ctx.output.dir);
    return {
      rows: merged.rows,
      metadata: {
        parts: dirs.length,
        valid: merged.rows,
        rejected: merged.rejected,
        source: "kafka",
      },
      // Parts appended while this ran stay current: the commit refuses, and the retry reads them.
      requireUnchanged: true,
    };
  } finally {
    db.close();
  }
}

function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
