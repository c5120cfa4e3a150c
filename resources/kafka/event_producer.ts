// Produces generated events to their topics: keyed by user id (a user's events stay in one
// partition, in order), batched across topics, compressed, one Kafka transaction per batch (a
// batch retried after a broker restart is never read twice), and paced to a target rate.
import { CompressionTypes, type TopicMessages } from "kafkajs";
import type { StreamRecord } from "../../contracts/events/mod.ts";
import { topicName } from "./topics.ts";
import type { BatchSender } from "./transactional_sender.ts";

/** Header carrying the event time in epoch milliseconds, read back when a payload is unreadable. */
export const EVENT_TIME_HEADER = "sluice-event-time";

export interface ProduceOptions {
  /** Events per second to hold to; undefined sends as fast as the broker takes them. */
  readonly targetRate?: number;
  /** Events per produce request (one request carries all topics). */
  readonly batchSize: number;
  /** Put before each topic name (KAFKA_TOPIC_PREFIX). */
  readonly topicPrefix?: string;
  readonly compression?: CompressionTypes;
}

export interface ProduceReport {
  readonly events: number;
  readonly batches: number;
  readonly elapsedMs: number;
}

/**
 * Sends `records` in order, one batch at a time, through a TransactionalSender (idempotent, so
 * every partition keeps its order through retries): a user's events arrive as generated.
 */
export async function produceEvents(
  sender: BatchSender,
  records: Iterable<StreamRecord>,
  options: ProduceOptions,
): Promise<ProduceReport> {
  const began = performance.now();
  let events = 0;
  let batches = 0;
  let pending = new Map<string, TopicMessages>();
  let size = 0;
  const flush = async () => {
    if (size === 0) return;
    await sender.send({
      topicMessages: [...pending.values()],
      compression: options.compression ?? CompressionTypes.GZIP,
      acks: -1,
    });
    events += size;
    batches++;
    pending = new Map();
    size = 0;
    if (options.targetRate !== undefined) {
      // Ahead of schedule: wait until the sent count matches the target rate.
      const due = (events / options.targetRate) * 1000 - (performance.now() - began);
      if (due > 1) await new Promise((resolve) => setTimeout(resolve, due));
    }
  };
  for (const record of records) {
    let topic = pending.get(record.topic);
    if (topic === undefined) {
      topic = { topic: topicName(options.topicPrefix ?? "", record.topic), messages: [] };
      pending.set(record.topic, topic);
    }
    topic.messages.push({
      key: record.key,
      value: record.line,
      partition: record.partition,
      // The event's time, so a record whose payload cannot be read still has its day (the
      // record timestamp is the broker's append time, see topics.ts).
      headers: { [EVENT_TIME_HEADER]: String(Math.floor(record.at)) },
    });
    if (++size >= options.batchSize) await flush();
  }
  await flush();
  return { events, batches, elapsedMs: performance.now() - began };
}
