// Whether a record of a Kafka transaction is readable by read_committed consumers: how a producer
// learns the fate of a transaction whose commit Kafka never confirmed (the coordinator decides it
// once the producer's id is re-initialised).
import type { Kafka } from "kafkajs";
import { SluiceError } from "../../runtime/errors.ts";

/** One record: its topic, partition and offset. */
export interface RecordPosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
}

/**
 * Reads from `at` with read_committed isolation: true when the record there is delivered, false
 * when the fetch from it holds only aborted records (or the next record delivered is later).
 * Call it only once the transaction is decided, or it waits for the decision until `timeoutMs`.
 */
export async function isCommitted(kafka: Kafka, at: RecordPosition, timeoutMs = 30_000) {
  const consumer = kafka.consumer({
    groupId: `sluice-commit-check-${crypto.randomUUID()}`,
    readUncommitted: false,
    maxWaitTimeInMs: 200,
  });
  const ours = (topic: string, partition: number) =>
    topic === at.topic && partition === at.partition;
  let settle!: (committed: boolean) => void;
  let fail!: (error: Error) => void;
  const decided = new Promise<boolean>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  const timer = setTimeout(
    () => fail(new SluiceError(`no answer reading ${at.topic}/${at.partition} at ${at.offset}`)),
    timeoutMs,
  );
  // A fetch of aborted records and markers only never reaches eachBatch.
  consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => {
    if (!ours(payload.topic, payload.partition) || payload.batchSize > 0) return;
    if (payload.firstOffset !== null && BigInt(payload.firstOffset) === at.offset) settle(false);
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: at.topic, fromBeginning: false });
    await consumer.run({
      eachBatch: ({ batch }) => {
        if (ours(batch.topic, batch.partition) && batch.messages.length > 0) {
          const first = BigInt(batch.messages[0].offset);
          if (first >= at.offset) settle(first === at.offset);
        }
        return Promise.resolve();
      },
    });
    consumer.seek({ topic: at.topic, partition: at.partition, offset: String(at.offset) });
    return await decided;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
}
