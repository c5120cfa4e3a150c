// One consumed Kafka batch into bronze segments: its records split by event day, checked against
// the topic's contract, and written as Parquet (accepted rows and quarantine, the same columns as
// landing-zone bronze) into one sealed lake location per day.
import { join } from "node:path";
import type { Topic } from "../../contracts/events/mod.ts";
import { checkLine } from "../line_check.ts";
import { assetKey } from "../../runtime/definitions/asset_key.ts";
import type { Lake } from "../../runtime/definitions/lake.ts";
import { partitionKey } from "../../runtime/partitions/partition_key.ts";
import type { DuckDb } from "../../resources/duckdb/duckdb.ts";
import { writeAccepted, writeRejected } from "../landing/day_ingest.ts";

export interface ConsumedRecord {
  readonly offset: bigint;
  /** The record's value; null for a tombstone, which is quarantined. */
  readonly value: string | null;
  /**
   * When the event happened, for records whose payload has no readable event_time: the producer's
   * event-time header, else the record timestamp (the broker's append time).
   */
  readonly timestampMs: number;
}

export interface WrittenSegment {
  readonly eventDate: string;
  readonly uri: string;
  readonly rows: number;
  readonly rejected: number;
}

const EVENT_DAY = /"event_time"\s*:\s*"(\d{4}-\d{2}-\d{2})/;

/** Lake key of a topic's segments; each becomes a part of its day's bronze.<topic> part set. */
export function segmentAssetKey(topic: Topic) {
  return assetKey(`kafka_segments.${topic}`);
}

interface DayBuffer {
  valid: string[];
  rejected: string[];
}

/** Writes and seals one segment per event day of `records` (offset order, one partition). */
export async function writeSegments(request: {
  readonly db: DuckDb;
  readonly lake: Lake;
  readonly topic: Topic;
  readonly partition: number;
  readonly records: readonly ConsumedRecord[];
  readonly ingestedAtMs: number;
}): Promise<WrittenSegment[]> {
  const days = new Map<string, DayBuffer>();
  for (const record of request.records) {
    const line = record.value ?? "";
    const day = EVENT_DAY.exec(line)?.[1] ??
      new Date(record.timestampMs).toISOString().slice(0, 10);
    let buffer = days.get(day);
    if (buffer === undefined) {
      buffer = { valid: [], rejected: [] };
      days.set(day, buffer);
    }
    const result = record.value === null
      ? { ok: false as const, kind: "empty", reason: "record has no value (tombstone)" }
      : checkLine(request.topic, line);
    if (result.ok && !line.includes("\x1f") && !line.includes("\n")) {
      buffer.valid.push(
        `${request.partition}\x1f${record.offset}\x1f${request.ingestedAtMs}\x1f${line}\n`,
      );
    } else {
      const { kind, reason } = result.ok
        ? { kind: "unparseable", reason: "payload holds a control separator or newline" }
        : result;
      buffer.rejected.push(
        JSON.stringify({
          partition: request.partition,
          offset: Number(record.offset),
          ingested_ms: request.ingestedAtMs,
          kind,
          reason,
          payload: line,
        }) + "\n",
      );
    }
  }
  const first = request.records[0].offset;
  const staging = await Deno.makeTempDir({ prefix: "sluice-segment-" });
  try {
    const written: WrittenSegment[] = [];
    for (const [day, buffer] of [...days].sort(([a], [b]) => a.localeCompare(b))) {
      const location = await request.lake.allocate(
        segmentAssetKey(request.topic),
        partitionKey(day),
        `p${request.partition}-o${first}-${crypto.randomUUID().slice(0, 8)}`,
      );
      const validPath = join(staging, `${day}.valid`);
      const rejectedPath = join(staging, `${day}.rejected`);
      await Deno.writeTextFile(validPath, buffer.valid.join(""));
      await Deno.writeTextFile(rejectedPath, buffer.rejected.join(""));
      const target = { topic: request.topic, day, outputDir: location.dir };
      const rows = await writeAccepted(request.db, target, validPath, buffer.valid.length);
      const rejected = await writeRejected(
        request.db,
        target,
        rejectedPath,
        buffer.rejected.length,
      );
      await request.lake.seal(location);
      written.push({ eventDate: day, uri: location.uri, rows, rejected });
    }
    return written;
  } finally {
    await Deno.remove(staging, { recursive: true });
  }
}
