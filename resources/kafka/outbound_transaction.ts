// Sending to Kafka from an asset exactly once, although Kafka and Postgres share no transaction:
// the records go out in one Kafka transaction under a transactional id of their own, the caller
// records where the first one landed before the commit, and after a crash the transaction is
// settled: a producer of the same id fences it (the coordinator finishes a commit that was
// requested and aborts one that was not), and that first record says which it was.
import { CompressionTypes, type IHeaders, type Kafka } from "kafkajs";
import { isCommitted, type RecordPosition } from "./committed_check.ts";

export interface OutboundBatch {
  readonly transactionalId: string;
  readonly topic: string;
  readonly messages: readonly {
    readonly key: string;
    readonly value: string;
    readonly headers?: IHeaders;
  }[];
  /**
   * Awaited once the broker has acknowledged every record and before the commit is asked for:
   * the caller makes `first` durable, so a crash after this point can be settled.
   */
  readonly beforeCommit: (first: RecordPosition) => Promise<void>;
}

/** Sends the batch in one transaction; nothing is readable unless this resolves or settles so. */
export async function sendInTransaction(kafka: Kafka, batch: OutboundBatch): Promise<void> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    transactionalId: batch.transactionalId,
  });
  await producer.connect();
  try {
    const transaction = await producer.transaction();
    try {
      const sent = await transaction.send({
        topic: batch.topic,
        acks: -1,
        compression: CompressionTypes.GZIP,
        messages: batch.messages.map((m) => ({ ...m })),
      });
      const first = sent.find((r) => r.baseOffset !== undefined && Number(r.baseOffset) >= 0);
      if (first !== undefined) {
        await batch.beforeCommit({
          topic: first.topicName,
          partition: first.partition,
          offset: BigInt(first.baseOffset!),
        });
      }
    } catch (error) {
      await transaction.abort().catch(() => {});
      throw error;
    }
    await transaction.commit();
  } finally {
    await producer.disconnect().catch(() => {});
  }
}

/**
 * Decides a batch whose outcome was never recorded: fences its transactional id, then reads
 * whether its first record is committed. Without a first record the commit was never asked for,
 * so the fenced transaction is aborted.
 */
export async function settleTransaction(
  kafka: Kafka,
  transactionalId: string,
  first: RecordPosition | undefined,
): Promise<boolean> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, transactionalId });
  await producer.connect();
  try {
    // Beginning a transaction inits the producer id under this transactional id, which ends the
    // old producer's transaction either way; with nothing sent, the abort stays local.
    const fence = await producer.transaction();
    await fence.abort();
  } finally {
    await producer.disconnect().catch(() => {});
  }
  return first === undefined ? false : await isCommitted(kafka, first);
}
