// Consumed Kafka offsets, kept in the ingest wing's own schema beside the bronze segments they
// produced: inside one metadata transaction a batch registers its segments, moves its
// partition's offset and (see bronze_parts.ts) appends the segments to bronze's pointers. The
// offset moves only from the value the committer started from, so a batch lands once or not at
// all.
import { SluiceError } from "../../runtime/errors.ts";
import type { AppTransaction, SqlClient } from "../../runtime/sql_client.ts";

/** A Kafka topic-partition, by the broker's topic name. */
export interface TopicPartition {
  readonly kafkaTopic: string;
  readonly partition: number;
}

export interface SegmentRecord {
  readonly segmentId: string;
  /** Sluice's topic (without the configured prefix). */
  readonly topic: string;
  readonly eventDate: string;
  readonly uri: string;
  readonly rows: number;
  readonly rejected: number;
}

export interface BatchCommit extends TopicPartition {
  readonly group: string;
  /** The partition's next offset when the batch was read; null when none was ever committed. */
  readonly expectedNext: bigint | null;
  /** The first offset of the batch and the one after its last record. */
  readonly startOffset: bigint;
  readonly endOffset: bigint;
  readonly segments: readonly SegmentRecord[];
}

/** Another consumer committed this partition meanwhile (a rebalance): the batch is dropped. */
export class OffsetConflictError extends SluiceError {
  override name = "OffsetConflictError";
}

export function partitionId(tp: TopicPartition): string {
  return `${tp.kafkaTopic}/${tp.partition}`;
}

/** The committed next offset of every partition the group has ever committed. */
export async function loadOffsets(db: SqlClient, group: string): Promise<Map<string, bigint>> {
  const rows = await db.query<{ kafka_topic: string; kafka_partition: number; next: string }>(
    `select kafka_topic, kafka_partition, next_offset::text as next
     from ingest.kafka_offsets where consumer_group = $1`,
    [group],
  );
  return new Map(
    rows.map((r) => [
      partitionId({ kafkaTopic: r.kafka_topic, partition: r.kafka_partition }),
      BigInt(r.next),
    ]),
  );
}

/**
 * Registers the batch's segments and moves the offset inside the caller's transaction. Throws
 * OffsetConflictError when the stored offset is not `expectedNext`, so the transaction rolls back.
 */
export async function commitBatch(tx: AppTransaction, batch: BatchCommit): Promise<void> {
  const moved = batch.expectedNext === null
    ? await tx.query(
      `insert into ingest.kafka_offsets (consumer_group, kafka_topic, kafka_partition,
         next_offset) values ($1, $2, $3, $4)
       on conflict do nothing returning 1 as moved`,
      [batch.group, batch.kafkaTopic, batch.partition, String(batch.endOffset)],
    )
    : await tx.query(
      `update ingest.kafka_offsets set next_offset = $5, updated_at = now()
       where consumer_group = $1 and kafka_topic = $2 and kafka_partition = $3
         and next_offset = $4
       returning 1 as moved`,
      [
        batch.group,
        batch.kafkaTopic,
        batch.partition,
        String(batch.expectedNext),
        String(batch.endOffset),
      ],
    );
  if (moved.length === 0) {
    throw new OffsetConflictError(
      `Offset of ${partitionId(batch)} for group ${batch.group} moved past ${
        batch.expectedNext ?? "its start"
      } meanwhile: another ingester owns the partition now`,
    );
  }
  for (const segment of batch.segments) {
    await tx.query(
      `insert into ingest.kafka_segments (segment_id, consumer_group, topic, kafka_topic,
         kafka_partition, start_offset, end_offset, event_date, uri, rows, rejected)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        segment.segmentId,
        batch.group,
        segment.topic,
        batch.kafkaTopic,
        batch.partition,
        String(batch.startOffset),
        String(batch.endOffset),
        segment.eventDate,
        segment.uri,
        segment.rows,
        segment.rejected,
      ],
    );
  }
}

/** Deletes segment records committed before `cutoff` (an audit; bronze's pointers hold the data). */
export async function trimSegments(db: SqlClient, cutoff: Date, dryRun: boolean): Promise<number> {
  const [{ n }] = await db.query<{ n: number }>(
    dryRun
      ? "select count(*)::int as n from ingest.kafka_segments where committed_at < $1"
      : `with gone as (delete from ingest.kafka_segments where committed_at < $1 returning 1)
         select count(*)::int as n from gone`,
    [cutoff.toISOString()],
  );
  return n;
}
