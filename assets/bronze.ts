// Bronze: each topic's landed events of one day, raw payload kept byte for byte, in Parquet;
// invalid events go to quarantine with their reason, and bronze.rejected_events gathers them.
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { type AssetDefinition, defineAsset, type SourceAsset } from "../runtime/asset.ts";
import { daily } from "../runtime/partitions/daily_partitions.ts";
import { hashParts } from "../runtime/version.ts";
import { openDuckDb } from "../resources/duckdb/duckdb.ts";
import { emptyRelation } from "../resources/duckdb/duckdb_sql_engine.ts";
import type { Topic } from "../contracts/events/mod.ts";
import type { MaterializeContext } from "../runtime/context.ts";
import { segmentsByDay } from "../resources/kafka/offset_ledger.ts";
import {
  BRONZE_COLUMNS,
  BRONZE_FILE,
  ingestDay,
  REJECTED_COLUMNS,
  REJECTED_FILE,
} from "../resources/landing/day_ingest.ts";
import { EVENT_DAYS_START } from "./partitions.ts";
import type {} from "./resources.ts";

// The ingestion code lives in resources/, outside the materialize functions the runtime
// hashes: its files are the code version, so a change there re-runs bronze.
const INGEST_FILES = [
  "../resources/landing/day_ingest.ts",
  "../resources/landing/ingest_worker.ts",
  "../resources/kafka/segment_writer.ts",
  "../contracts/events/validate.ts",
];
const BRONZE_CODE_VERSION = hashParts(
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
        if (ctx.resources.kafka !== undefined) {
          return await compactSegments(ctx, topic as Topic, ctx.resources.kafka.group);
        }
        const batches = await ctx.resources.landing.batchesOfDay(topic, ctx.partition);
        const result = await ingestDay({
          topic,
          day: ctx.partition,
          batches,
          outputDir: ctx.output.dir,
          signal: ctx.signal,
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
      const files = bronze.flatMap((asset) => ctx.input(asset))
        .flatMap((input) => input.location ? [join(input.location.dir, REJECTED_FILE)] : [])
        .sort();
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
 * Kafka mode: the day's committed segments (written by `deno task ingest`) into one data.parquet
 * and one rejected.parquet, in partition and offset order.
 */
async function compactSegments(ctx: MaterializeContext, topic: Topic, group: string) {
  const segments = (await segmentsByDay(ctx.resources.warehouse, group, topic)).get(ctx.partition);
  const dirs: string[] = [];
  for (const uri of segments?.uris ?? []) dirs.push((await ctx.resources.lake.open(uri)).dir);
  const files = (name: string) => dirs.map((dir) => sqlString(join(dir, name))).join(", ");
  const db = await openDuckDb({ threads: 1 });
  try {
    await db.run("SET preserve_insertion_order = true");
    const rows = await db.copyToParquet(
      dirs.length === 0
        ? `SELECT * FROM ${emptyRelation(BRONZE_COLUMNS)}`
        : `SELECT * FROM read_parquet([${files(BRONZE_FILE)}]) ORDER BY _partition, _offset`,
      join(ctx.output.dir, BRONZE_FILE),
    );
    const rejected = await db.copyToParquet(
      dirs.length === 0
        ? `SELECT * FROM ${emptyRelation(REJECTED_COLUMNS)}`
        : `SELECT * FROM read_parquet([${files(REJECTED_FILE)}]) ORDER BY partition, "offset"`,
      join(ctx.output.dir, REJECTED_FILE),
    );
    return {
      rows,
      metadata: { segments: dirs.length, valid: rows, rejected, source: "kafka" },
    };
  } finally {
    db.close();
  }
}

function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
