// Bronze fed by Kafka is a part set per event day: a committed batch appends each of its
// segments to its day's bronze pointer, in the batch's transaction with its offsets, so bronze
// is current the moment the offsets move. Compaction later replaces a day's many small parts by
// one, keeping the day's data version: the same records, laid out better.
import type { Topic } from "../../contracts/events/mod.ts";
import type { AssetKey } from "../../runtime/definitions/asset_key.ts";
import type { Lake } from "../../runtime/definitions/lake.ts";
import { type Clock, systemClock } from "../../runtime/clock.ts";
import type { Logger } from "../../runtime/logger.ts";
import { locationParts } from "../../runtime/definitions/part_set.ts";
import { type PartitionKey, partitionKey } from "../../runtime/partitions/partition_key.ts";
import {
  loadPointer,
  type MaterializationId,
  type PartitionStore,
  type StoreTransaction,
} from "../../runtime/store/partition_store.ts";
import type { RunId } from "../../runtime/store/run_store.ts";
import {
  type CodeVersion,
  type DataVersion,
  dataVersion,
  hashParts,
} from "../../runtime/definitions/version.ts";
import type { DuckDb } from "../../resources/duckdb/duckdb.ts";
import { mergeParts } from "./part_merge.ts";

/** Where an ingester's segments go: the bronze asset of each topic and what it records reading. */
export interface BronzeTarget {
  /** `bronze.<topic>`. */
  readonly bronzeKey: (topic: Topic) => AssetKey;
  /** The observable source bronze reads, `kafka.<topic>`. */
  readonly sourceKey: (topic: Topic) => AssetKey;
  /** Bronze's code version, so a rewrite after a code change is told apart from an append. */
  readonly codeVersion: CodeVersion;
  /** The ingester's run, recorded as the writer of each append. */
  readonly runId: RunId;
}

/** One committed segment as its day's new part. */
export interface SegmentPart {
  readonly segmentId: string;
  readonly topic: Topic;
  readonly eventDate: string;
  readonly uri: string;
  readonly rows: number;
  readonly rejected: number;
  readonly kafkaPartition: number;
  readonly startOffset: bigint;
  readonly endOffset: bigint;
}

/**
 * The version a Kafka source reports for an event day. Records not yet ingested cannot be
 * placed in a day, so the source's day never changes version: bronze is only ever behind by the
 * consumer lag, which the observation reports. Appends change bronze's own data version.
 */
export function sourceDayVersion(topic: Topic, day: string): DataVersion {
  return dataVersion(hashParts(["kafka-source-day", topic, day]));
}

/**
 * Appends each segment to its day's bronze pointer inside `tx`, days in order (two ingesters
 * lock the same pointers in the same order, so they never deadlock). Returns each day's part
 * count after the append, by `<topic>/<day>`.
 */
export async function appendSegments(
  tx: StoreTransaction,
  target: BronzeTarget,
  segments: readonly SegmentPart[],
  now: Date,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const ordered = [...segments].sort((a, b) =>
    a.topic.localeCompare(b.topic) || a.eventDate.localeCompare(b.eventDate)
  );
  for (const segment of ordered) {
    const day = partitionKey(segment.eventDate);
    await tx.commitPartSet({
      id: crypto.randomUUID() as MaterializationId,
      runId: target.runId,
      assetKey: target.bronzeKey(segment.topic),
      partition: day,
      codeVersion: target.codeVersion,
      startedAt: now,
      committedAt: now,
      change(current) {
        const parts = [...(current?.parts ?? []), segment.uri];
        counts.set(`${segment.topic}/${day}`, parts.length);
        return {
          parts,
          dataVersion: dataVersion(hashParts([current?.dataVersion ?? "", segment.segmentId])),
          rows: (current?.rows ?? 0) + segment.rows,
          inputs: [{
            assetKey: target.sourceKey(segment.topic),
            partition: day,
            dataVersion: sourceDayVersion(segment.topic, day),
          }],
          metadata: {
            source: "kafka",
            appended: segment.segmentId,
            kafka_partition: segment.kafkaPartition,
            start_offset: String(segment.startOffset),
            end_offset: String(segment.endOffset),
            valid: segment.rows,
            rejected: segment.rejected,
            parts: parts.length,
          },
        };
      },
    });
  }
  return counts;
}

export interface CompactionRequest {
  readonly partitions: PartitionStore;
  readonly lake: Lake;
  readonly duckdb: DuckDb;
  readonly target: BronzeTarget;
  readonly topic: Topic;
  readonly day: PartitionKey;
  readonly log: Logger;
  /** Stamps the compaction's commit; default: the system's. */
  readonly clock?: Clock;
}

export type CompactionOutcome = "compacted" | "too few parts" | "superseded";

/**
 * Merges a day's current parts into one and swaps the merge in for them, keeping any part
 * appended meanwhile. When another process compacted those parts first, the merge is dropped.
 */
export async function compactDay(request: CompactionRequest): Promise<CompactionOutcome> {
  const key = request.target.bronzeKey(request.topic);
  const pointer = await loadPointer(request.partitions, key, request.day);
  const snapshot = pointer?.location ? locationParts(pointer.location) : [];
  if (snapshot.length < 2) return "too few parts";
  const dirs = [];
  for (const uri of snapshot) dirs.push((await request.lake.open(uri)).dir);
  const id = crypto.randomUUID() as MaterializationId;
  const location = await request.lake.allocate(key, request.day, `compact-${id.slice(0, 8)}`);
  const merged = await mergeParts(request.duckdb, dirs, location.dir);
  await request.lake.seal(location);
  const now = (request.clock ?? systemClock).now();
  const committed = await request.partitions.transact((tx) =>
    tx.commitPartSet({
      id,
      runId: request.target.runId,
      assetKey: key,
      partition: request.day,
      codeVersion: request.target.codeVersion,
      startedAt: now,
      committedAt: now,
      change(current) {
        const live = new Set(current?.parts ?? []);
        if (current === undefined || !snapshot.every((uri) => live.has(uri))) return null;
        const replaced = new Set(snapshot);
        return {
          parts: [location.uri, ...current.parts.filter((uri) => !replaced.has(uri))],
          dataVersion: current.dataVersion,
          rows: current.rows,
          inputs: "keep",
          metadata: {
            source: "kafka",
            compacted: snapshot.length,
            valid: merged.rows,
            rejected: merged.rejected,
          },
        };
      },
    })
  );
  if (!committed) {
    await request.lake.remove(location.uri).catch(() => {});
    return "superseded";
  }
  request.log.debug(`compacted ${key} ${request.day}`, { parts: snapshot.length });
  return "compacted";
}
