// Kafka → bronze, exactly once. A consumer group spreads the six topics' partitions over the
// ingesting processes; each batch becomes one Parquet segment per event day, appended to that
// day's bronze pointer in the same metadata transaction that moves the batch's offsets. Kafka's
// own group offsets are never committed: on every assignment the consumer seeks to the ledger's.
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from "kafkajs";
import { TOPICS } from "../../contracts/events/mod.ts";
import { type Clock, systemClock } from "../../runtime/clock.ts";
import { errorMessage } from "../../runtime/errors.ts";
import type { Lake } from "../../runtime/definitions/lake.ts";
import type { Logger } from "../../runtime/logger.ts";
import { partitionKey } from "../../runtime/partitions/partition_key.ts";
import type { SqlClient } from "../../runtime/sql_client.ts";
import type { PartitionStore } from "../../runtime/store/partition_store.ts";
import type { DuckDb } from "../../resources/duckdb/duckdb.ts";
import {
  commitBatch,
  loadOffsets,
  OffsetConflictError,
  partitionId,
  type TopicPartition,
} from "./offset_ledger.ts";
import { appendSegments, type BronzeTarget } from "./bronze_parts.ts";
import { DayCompactor } from "./day_compactor.ts";
import { EVENT_TIME_HEADER } from "../../resources/kafka/event_producer.ts";
import { writeSegments } from "./segment_writer.ts";
import { eventTopicOf, topicName } from "../../resources/kafka/topics.ts";

export const DEFAULT_GROUP = "sluice-bronze";

export interface IngestorOptions {
  readonly kafka: Kafka;
  readonly topicPrefix: string;
  /** The offset ledger's group; the Kafka consumer group is this after the topic prefix. */
  readonly group: string;
  /** Where bronze's pointers move, in the transaction that moves the offsets. */
  readonly partitions: PartitionStore;
  /** The database of the offset ledger (the metadata database, schema ingest). */
  readonly db: SqlClient;
  readonly lake: Lake;
  readonly duckdb: DuckDb;
  readonly log: Logger;
  /** The bronze assets the segments append to. */
  readonly target: BronzeTarget;
  /** A day's bronze is compacted once it has this many parts (default 16). */
  readonly compactAt?: number;
  /** Called whenever the consumer proves alive: a group heartbeat or a committed batch. */
  readonly onAlive?: () => void;
  /** Stop once every partition's committed offset reaches the end offset seen at start. */
  readonly untilCaughtUp?: boolean;
  /**
   * Awaited after a batch's files are written and before its commit; tests hold a batch here
   * to make a zombie of this consumer (its partitions move on while it waits).
   */
  readonly beforeCommit?: (
    batch: TopicPartition & { readonly startOffset: bigint },
  ) => Promise<void>;
  readonly signal?: AbortSignal;
  /** Stamps ingested_at and the commits (SLUICE_NOW's clock from the CLI); default: system. */
  readonly clock?: Clock;
}

export interface IngestReport {
  readonly batches: number;
  readonly records: number;
  readonly conflicts: number;
  /** Bronze days whose parts were merged into one. */
  readonly compactions: number;
  readonly elapsedMs: number;
}

/** Runs until `signal` aborts (or, with untilCaughtUp, until caught up); then leaves the group. */
export async function runIngestor(options: IngestorOptions): Promise<IngestReport> {
  const began = performance.now();
  const topics = TOPICS.map((topic) => topicName(options.topicPrefix, topic));
  const consumer = options.kafka.consumer({
    // The Kafka group is per topic prefix: environments sharing a cluster through prefixes
    // each get their own, or one environment's ingester (its leader computing assignments for
    // topics it alone knows) leaves another's with no partitions. The ledger keeps `group`.
    groupId: `${options.topicPrefix}${options.group}`,
    maxBytesPerPartition: 8 * 1024 * 1024,
    maxBytes: 64 * 1024 * 1024,
    maxWaitTimeInMs: 200,
    // Records of aborted transactions (a producer's failed batch, sent again) are never read.
    readUncommitted: false,
    // A killed ingester's partitions move to the others after this long without heartbeats.
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
  });
  const admin = options.kafka.admin();
  await admin.connect();
  const positions: Positions = {
    ledger: await loadOffsets(options.db, options.group),
    floors: new Map(),
    gapSeeks: new Map(),
    warned: new Map(),
    skips: new Map(),
  };
  const compactor = new DayCompactor(options);
  const targets = options.untilCaughtUp ? (await logBounds(admin, topics)).ends : undefined;
  let assigned: TopicPartition[] = [];
  let lastBatchAt = performance.now();
  const report: Tally = { batches: 0, records: 0, conflicts: 0 };
  /** Re-reads the committed offsets and the broker's first offsets, then seeks to them. */
  const reposition = async (fromStart: boolean) => {
    // Another process may have committed while the partitions were elsewhere, and retention
    // may have removed records since the last look.
    positions.ledger = await loadOffsets(options.db, options.group);
    positions.floors = (await logBounds(admin, topics)).starts;
    seekToLedger(consumer, assigned, positions, options.log, fromStart);
  };

  await consumer.connect();
  try {
    consumer.on(consumer.events.GROUP_JOIN, async ({ payload }) => {
      assigned = Object.entries(payload.memberAssignment).flatMap(([kafkaTopic, partitions]) =>
        partitions.map((partition) => ({ kafkaTopic, partition }))
      );
      try {
        await reposition(false);
      } catch (error) {
        options.log.warn(`cannot position the assigned partitions: ${errorMessage(error)}`);
      }
      options.log.info("ingester assigned partitions", {
        group: options.group,
        partitions: assigned.length,
      });
    });
    // A fetch that held only transaction markers or aborted records never reaches eachBatch:
    // kafkajs moves past it on its own, and so must the committed offset, or the ingester would
    // look behind forever (the last offset of a partition is usually a commit marker).
    consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize > 0 || payload.firstOffset === null) return;
      const tp = { kafkaTopic: payload.topic, partition: payload.partition };
      const id = partitionId(tp);
      const previous = positions.skips.get(id) ?? Promise.resolve();
      positions.skips.set(
        id,
        previous.then(() =>
          commitSkip(options, positions, tp, BigInt(payload.firstOffset!), payload.lastOffset)
        ).catch((error) => options.log.warn(`cannot commit ${id}: ${errorMessage(error)}`)),
      );
    });
    consumer.on(consumer.events.HEARTBEAT, () => options.onAlive?.());
    await consumer.subscribe({ topics, fromBeginning: true });
    const done = deferred();
    const onAbort = () => done.resolve();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async (payload) => {
        lastBatchAt = performance.now();
        await ingestBatch(options, consumer, payload, positions, compactor, report);
        options.onAlive?.();
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
      options.log.debug("no batch for a while: seeking to the committed offsets again", {
        partitions: assigned.length,
      });
      try {
        await reposition(true);
      } catch (error) {
        options.log.warn(`cannot read the committed offsets: ${errorMessage(error)}`);
      }
    }, STALL_MS);
    await done.promise.finally(() => clearInterval(watchdog));
    options.signal?.removeEventListener("abort", onAbort);
  } finally {
    await consumer.disconnect();
    await admin.disconnect();
    await compactor.drain();
  }
  return { ...report, compactions: compactor.compacted, elapsedMs: performance.now() - began };
}

/**
 * What this process committed, counted the moment each transaction commits: a batch whose
 * commit went through counts even if the broker fails right after (kafkajs then fetches it
 * again, and the records below the committed offset are skipped, not counted twice).
 */
interface Tally {
  batches: number;
  /** Rows plus rejected records of the committed segments. */
  records: number;
  conflicts: number;
}

const STALL_MS = 3_000;
const COMPACT_AT = 16;

/** Where each partition stands, by partitionId. */
interface Positions {
  /** The committed next offset of each partition (platform.kafka_offsets). */
  ledger: Map<string, bigint>;
  /** The first offset the broker still holds: retention (or deleteRecords) moves it. */
  floors: Map<string, bigint>;
  /** The committed offset a gap already made us seek back to (see ingestBatch). */
  readonly gapSeeks: Map<string, bigint>;
  /** The committed offset a loss to retention was last reported from. */
  readonly warned: Map<string, bigint>;
  /** A commit moving past a fetch that held only transaction markers or aborted records. */
  readonly skips: Map<string, Promise<void>>;
}

/**
 * Points each assigned partition at its committed offset, or at the broker's first offset when
 * retention removed records up to and past it (said in a warning: they are lost to bronze). With
 * `fromStart`, a partition never committed goes to its first offset as well.
 */
function seekToLedger(
  consumer: Consumer,
  assigned: readonly TopicPartition[],
  positions: Positions,
  log: Logger,
  fromStart: boolean,
): void {
  for (const tp of assigned) {
    const id = partitionId(tp);
    const committed = positions.ledger.get(id);
    const floor = positions.floors.get(id) ?? 0n;
    if (committed === undefined && !fromStart) continue;
    if (committed !== undefined && committed < floor) {
      warnRemoved(log, positions, id, committed, floor);
    }
    const next = committed === undefined || committed < floor ? floor : committed;
    consumer.seek({ topic: tp.kafkaTopic, partition: tp.partition, offset: String(next) });
  }
}

/** Says once per partition and offset that records were lost to retention before ingestion. */
function warnRemoved(
  log: Logger,
  positions: Positions,
  partition: string,
  from: bigint,
  to: bigint,
): void {
  if (positions.warned.get(partition) === from) return;
  positions.warned.set(partition, from);
  log.warn("records removed from the topic before they were ingested (retention)", {
    partition,
    from: String(from),
    to: String(to),
  });
}

/** One fetched batch of one partition, committed (and tallied) or fenced off. */
async function ingestBatch(
  options: IngestorOptions,
  consumer: Consumer,
  { batch, resolveOffset, heartbeat, isStale }: EachBatchPayload,
  positions: Positions,
  compactor: DayCompactor,
  tally: Tally,
): Promise<void> {
  const topic = eventTopicOf(options.topicPrefix, batch.topic);
  if (topic === undefined || isStale() || batch.messages.length === 0) return;
  const tp: TopicPartition = { kafkaTopic: batch.topic, partition: batch.partition };
  await positions.skips.get(partitionId(tp));
  const expected = positions.ledger.get(partitionId(tp)) ?? null;
  // Records below the committed offset were ingested already (a fetch from before the seek).
  // They are resolved, or kafkajs would fetch them again from its own position, forever.
  const skipped = batch.messages.filter((m) => expected !== null && BigInt(m.offset) < expected);
  if (skipped.length > 0) resolveOffset(skipped[skipped.length - 1].offset);
  const records = batch.messages
    .filter((m) => expected === null || BigInt(m.offset) >= expected)
    .map((m) => ({
      offset: BigInt(m.offset),
      value: m.value === null ? null : m.value.toString("utf8"),
      timestampMs: eventTimeOf(m),
    }));
  if (records.length === 0) return;
  const startOffset = records[0].offset;
  // Past transaction markers and aborted records the fetch held after the last record.
  const endOffset = BigInt(batch.lastOffset()) + 1n;
  // Where the fetch began: the records it skipped (markers, aborted) are no gap.
  // (kafkajs keeps it on the batch without declaring it.)
  const fetchedFrom = BigInt((batch as typeof batch & { fetchedOffset: string }).fetchedOffset);
  if (expected !== null && fetchedFrom > expected) {
    // Records between the committed offset and this batch were never ingested. When the broker
    // still holds some of them the consumer is merely positioned past them: seek back, once. If
    // the broker no longer holds them (or the next batch again starts past them, the broker's
    // first offset having moved since we looked), retention removed them: say so and go on.
    const id = partitionId(tp);
    const floor = positions.floors.get(id) ?? 0n;
    if (fetchedFrom > floor && positions.gapSeeks.get(id) !== expected) {
      positions.gapSeeks.set(id, expected);
      const back = expected > floor ? expected : floor;
      consumer.seek({ topic: batch.topic, partition: batch.partition, offset: String(back) });
      return;
    }
    warnRemoved(options.log, positions, id, expected, fetchedFrom);
  }
  const segments = await writeSegments({
    db: options.duckdb,
    lake: options.lake,
    topic,
    partition: batch.partition,
    records,
    ingestedAtMs: (options.clock ?? systemClock).now().getTime(),
  });
  const parts = segments.map((s) => ({
    segmentId: `${batch.topic}/${batch.partition}/${startOffset}/${s.eventDate}`,
    topic,
    eventDate: s.eventDate,
    uri: s.uri,
    rows: s.rows,
    rejected: s.rejected,
    kafkaPartition: batch.partition,
    startOffset,
    endOffset,
  }));
  let partCounts = new Map<string, number>();
  try {
    await options.beforeCommit?.({ ...tp, startOffset });
    await options.partitions.transact(async (tx) => {
      await commitBatch(tx.app, {
        ...tp,
        group: options.group,
        expectedNext: expected,
        startOffset,
        endOffset,
        segments: parts,
      });
      partCounts = await appendSegments(
        tx,
        options.target,
        parts,
        (options.clock ?? systemClock).now(),
      );
    });
  } catch (error) {
    // Not committed: the files are unreferenced; remove them now (vacuum would later).
    for (const segment of segments) await options.lake.remove(segment.uri).catch(() => {});
    if (!(error instanceof OffsetConflictError)) throw error;
    options.log.warn(error.message);
    const fresh = await loadOffsets(options.db, options.group);
    const next = fresh.get(partitionId(tp));
    if (next !== undefined) {
      positions.ledger.set(partitionId(tp), next);
      consumer.seek({ topic: batch.topic, partition: batch.partition, offset: String(next) });
    }
    tally.conflicts++;
    return;
  }
  tally.batches++;
  tally.records += parts.reduce((n, part) => n + part.rows + part.rejected, 0);
  positions.ledger.set(partitionId(tp), endOffset);
  for (const part of parts) {
    const count = partCounts.get(`${part.topic}/${part.eventDate}`) ?? 0;
    if (count >= (options.compactAt ?? COMPACT_AT)) {
      compactor.request(part.topic, partitionKey(part.eventDate));
    }
  }
  resolveOffset(String(endOffset - 1n));
  await heartbeat();
}

/**
 * Moves a partition's committed offset past a fetch of markers and aborted records only, when
 * it starts where the committed offset stands (else the next batch's gap check handles it).
 */
async function commitSkip(
  options: IngestorOptions,
  positions: Positions,
  tp: TopicPartition,
  firstOffset: bigint,
  lastOffset: string,
): Promise<void> {
  const id = partitionId(tp);
  const expected = positions.ledger.get(id) ?? null;
  if ((expected ?? positions.floors.get(id) ?? 0n) !== firstOffset) return;
  const endOffset = BigInt(lastOffset) + 1n;
  try {
    await options.partitions.transact((tx) =>
      commitBatch(tx.app, {
        ...tp,
        group: options.group,
        expectedNext: expected,
        startOffset: firstOffset,
        endOffset,
        segments: [],
      })
    );
    positions.ledger.set(id, endOffset);
  } catch (error) {
    if (!(error instanceof OffsetConflictError)) throw error;
  }
}

/** The producer's event-time header, else the record's timestamp. */
function eventTimeOf(message: KafkaMessage): number {
  const header = message.headers?.[EVENT_TIME_HEADER];
  const stamped = header === undefined ? NaN : Number(String(header));
  return Number.isFinite(stamped) ? stamped : Number(message.timestamp);
}

/** Every partition's first offset still held and end offset (the next to be written). */
async function logBounds(
  admin: Admin,
  topics: readonly string[],
): Promise<{ starts: Map<string, bigint>; ends: Map<string, bigint> }> {
  const starts = new Map<string, bigint>();
  const ends = new Map<string, bigint>();
  for (const topic of topics) {
    for (const p of await admin.fetchTopicOffsets(topic)) {
      const id = partitionId({ kafkaTopic: topic, partition: p.partition });
      starts.set(id, BigInt(p.low));
      ends.set(id, BigInt(p.high));
    }
  }
  return { starts, ends };
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
