// Kafka → bronze segments, exactly once. A consumer group spreads the six topics' partitions over
// the ingesting processes; each batch becomes Parquet segments, and its offsets commit in
// `platform` in the same transaction that registers them. Kafka's own group offsets are never
// committed: on every assignment the consumer seeks to the offsets in `platform`.
import type { Consumer, EachBatchPayload, Kafka } from "kafkajs";
import { TOPICS } from "../../contracts/events/mod.ts";
import { errorMessage } from "../../runtime/errors.ts";
import type { Lake } from "../../runtime/lake.ts";
import type { Logger } from "../../runtime/logger.ts";
import type { SqlClient } from "../../runtime/store/sql_client.ts";
import type { DuckDb } from "../duckdb/duckdb.ts";
import {
  commitBatch,
  loadOffsets,
  OffsetConflictError,
  partitionId,
  type TopicPartition,
} from "./offset_ledger.ts";
import { writeSegments } from "./segment_writer.ts";
import { eventTopicOf, topicName } from "./topics.ts";

export const DEFAULT_GROUP = "sluice-bronze";

export interface IngestorOptions {
  readonly kafka: Kafka;
  readonly topicPrefix: string;
  readonly group: string;
  readonly db: SqlClient;
  readonly lake: Lake;
  readonly duckdb: DuckDb;
  readonly log: Logger;
  /** Stop once every partition's committed offset reaches the end offset seen at start. */
  readonly untilCaughtUp?: boolean;
  readonly signal?: AbortSignal;
}

export interface IngestReport {
  readonly batches: number;
  readonly records: number;
  readonly conflicts: number;
  readonly elapsedMs: number;
}

/** Runs until `signal` aborts (or, with untilCaughtUp, until caught up); then leaves the group. */
export async function runIngestor(options: IngestorOptions): Promise<IngestReport> {
  const began = performance.now();
  const topics = TOPICS.map((topic) => topicName(options.topicPrefix, topic));
  const consumer = options.kafka.consumer({
    groupId: options.group,
    maxBytesPerPartition: 8 * 1024 * 1024,
    maxBytes: 64 * 1024 * 1024,
    maxWaitTimeInMs: 200,
    // A killed ingester's partitions move to the others after this long without heartbeats.
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
  });
  const targets = options.untilCaughtUp ? await endOffsets(options.kafka, topics) : undefined;
  let ledger = await loadOffsets(options.db, options.group);
  let assigned: TopicPartition[] = [];
  let lastBatchAt = performance.now();
  const report = { batches: 0, records: 0, conflicts: 0 };

  await consumer.connect();
  try {
    consumer.on(consumer.events.GROUP_JOIN, async ({ payload }) => {
      assigned = Object.entries(payload.memberAssignment).flatMap(([kafkaTopic, partitions]) =>
        partitions.map((partition) => ({ kafkaTopic, partition }))
      );
      // Another process may have committed while the partitions were elsewhere.
      ledger = await loadOffsets(options.db, options.group);
      seekToLedger(consumer, assigned, ledger);
      options.log.info("ingester assigned partitions", {
        group: options.group,
        partitions: Object.values(payload.memberAssignment).flat().length,
      });
    });
    await consumer.subscribe({ topics, fromBeginning: true });
    const done = deferred();
    const onAbort = () => done.resolve();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async (payload) => {
        lastBatchAt = performance.now();
        const outcome = await ingestBatch(options, consumer, payload, ledger);
        if (outcome === "conflict") report.conflicts++;
        else if (outcome > 0) {
          report.batches++;
          report.records += outcome;
        }
      },
    });
    if (targets !== undefined) {
      void watchCaughtUp(options, targets, done);
    }
    // A seek kafkajs dropped (one issued before its offsets were set up) leaves the consumer
    // idle at the wrong position; when nothing arrives for a while, seek again to the ledger.
    const watchdog = setInterval(async () => {
      if (performance.now() - lastBatchAt < STALL_MS || assigned.length === 0) return;
      lastBatchAt = performance.now();
      try {
        ledger = await loadOffsets(options.db, options.group);
      } catch (error) {
        options.log.warn(`cannot read the committed offsets: ${errorMessage(error)}`);
        return;
      }
      options.log.debug("no batch for a while: seeking to the committed offsets again", {
        partitions: assigned.length,
      });
      seekToLedger(consumer, assigned, ledger, true);
    }, STALL_MS);
    await done.promise.finally(() => clearInterval(watchdog));
    options.signal?.removeEventListener("abort", onAbort);
  } finally {
    await consumer.disconnect();
  }
  return { ...report, elapsedMs: performance.now() - began };
}

const STALL_MS = 3_000;

/** Per partition, the committed offset a gap already made us seek back to (see ingestBatch). */
const gapSeeks = new Map<string, bigint>();

/**
 * Points each assigned partition at its committed offset; with `fromStart`, a partition never
 * committed goes to its first offset (kafkajs moves an offset retention removed to the earliest).
 */
function seekToLedger(
  consumer: Consumer,
  assigned: readonly TopicPartition[],
  ledger: ReadonlyMap<string, bigint>,
  fromStart = false,
): void {
  for (const tp of assigned) {
    const next = ledger.get(partitionId(tp)) ?? (fromStart ? 0n : undefined);
    if (next !== undefined) {
      consumer.seek({ topic: tp.kafkaTopic, partition: tp.partition, offset: String(next) });
    }
  }
}

/** One fetched batch of one partition: its new records, or "conflict" when fenced off. */
async function ingestBatch(
  options: IngestorOptions,
  consumer: Consumer,
  { batch, resolveOffset, heartbeat, isStale }: EachBatchPayload,
  ledger: Map<string, bigint>,
): Promise<number | "conflict"> {
  const topic = eventTopicOf(options.topicPrefix, batch.topic);
  if (topic === undefined || isStale() || batch.messages.length === 0) return 0;
  const tp: TopicPartition = { kafkaTopic: batch.topic, partition: batch.partition };
  const expected = ledger.get(partitionId(tp)) ?? null;
  // Records below the committed offset were ingested already (a fetch from before the seek).
  // They are resolved, or kafkajs would fetch them again from its own position, forever.
  const skipped = batch.messages.filter((m) => expected !== null && BigInt(m.offset) < expected);
  if (skipped.length > 0) resolveOffset(skipped[skipped.length - 1].offset);
  const records = batch.messages
    .filter((m) => expected === null || BigInt(m.offset) >= expected)
    .map((m) => ({
      offset: BigInt(m.offset),
      value: m.value === null ? null : m.value.toString("utf8"),
      timestampMs: Number(m.timestamp),
    }));
  if (records.length === 0) return 0;
  const startOffset = records[0].offset;
  const endOffset = records[records.length - 1].offset + 1n;
  if (expected !== null && startOffset > expected) {
    // Records between the committed offset and this batch were never ingested. Usually the
    // consumer is merely positioned past them: seek back once. If the next batch still starts
    // past them, retention removed them from the topic; say so and go on.
    const id = partitionId(tp);
    if (gapSeeks.get(id) !== expected) {
      gapSeeks.set(id, expected);
      consumer.seek({ topic: batch.topic, partition: batch.partition, offset: String(expected) });
      return 0;
    }
    options.log.warn("offsets missing from the topic (removed by retention)", {
      partition: id,
      from: String(expected),
      to: String(startOffset),
    });
  }
  const segments = await writeSegments({
    db: options.duckdb,
    lake: options.lake,
    topic,
    partition: batch.partition,
    records,
    ingestedAtMs: Date.now(),
  });
  try {
    await commitBatch(options.db, {
      ...tp,
      group: options.group,
      expectedNext: expected,
      startOffset,
      endOffset,
      segments: segments.map((s) => ({
        segmentId: `${batch.topic}/${batch.partition}/${startOffset}/${s.eventDate}`,
        topic,
        eventDate: s.eventDate,
        uri: s.uri,
        rows: s.rows,
        rejected: s.rejected,
      })),
    });
  } catch (error) {
    // Not committed: the files are unreferenced; remove them now (vacuum would later).
    for (const segment of segments) await options.lake.remove(segment.uri).catch(() => {});
    if (!(error instanceof OffsetConflictError)) throw error;
    options.log.warn(error.message);
    const fresh = await loadOffsets(options.db, options.group);
    const next = fresh.get(partitionId(tp));
    if (next !== undefined) {
      ledger.set(partitionId(tp), next);
      consumer.seek({ topic: batch.topic, partition: batch.partition, offset: String(next) });
    }
    return "conflict";
  }
  ledger.set(partitionId(tp), endOffset);
  resolveOffset(String(endOffset - 1n));
  await heartbeat();
  return records.length;
}

/** Every partition's end offset (the next offset to be written) right now. */
async function endOffsets(kafka: Kafka, topics: readonly string[]): Promise<Map<string, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = new Map<string, bigint>();
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) {
        ends.set(partitionId({ kafkaTopic: topic, partition: p.partition }), BigInt(p.high));
      }
    }
    return ends;
  } finally {
    await admin.disconnect();
  }
}

/** Resolves `done` once the committed offsets reach `targets` (any process may commit them). */
async function watchCaughtUp(
  options: IngestorOptions,
  targets: Map<string, bigint>,
  done: { resolve(): void },
): Promise<void> {
  while (!options.signal?.aborted) {
    const committed = await loadOffsets(options.db, options.group);
    const behind = [...targets].filter(([id, end]) => end > 0n && (committed.get(id) ?? 0n) < end);
    if (behind.length === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  done.resolve();
}

function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
