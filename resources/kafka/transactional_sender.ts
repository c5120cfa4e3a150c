// Sends batches to Kafka one transaction each, so a batch is read once or never: after a failure
// the transaction is aborted (or fenced off by a fresh producer of the same transactional id)
// and the batch goes again; read_committed consumers never see the aborted attempt.
import type { Kafka, Producer, ProducerBatch } from "kafkajs";
import { errorMessage, SluiceError } from "../../runtime/errors.ts";

/** Where produceEvents hands its batches. */
export interface BatchSender {
  send(batch: ProducerBatch): Promise<void>;
  close(): Promise<void>;
}

const ATTEMPTS = 8;

export class TransactionalSender implements BatchSender {
  readonly #kafka: Kafka;
  /** Unique per process, so two generators never fence each other off. */
  readonly #transactionalId: string;
  #producer: Producer | undefined;

  constructor(kafka: Kafka, owner: string) {
    this.#kafka = kafka;
    this.#transactionalId = `${owner}-${crypto.randomUUID()}`;
  }

  /** Connects now, so a broker that cannot be reached fails before the first batch. */
  async connect(): Promise<void> {
    await this.#connected();
  }

  async send(batch: ProducerBatch): Promise<void> {
    for (let attempt = 1;; attempt++) {
      try {
        await this.#attempt(batch);
        return;
      } catch (error) {
        if (error instanceof UncertainCommitError || attempt >= ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(250 * 2 ** attempt, 5_000)));
      }
    }
  }

  /** One try; whatever fails before the commit request leaves nothing readable behind. */
  async #attempt(batch: ProducerBatch): Promise<void> {
    const transaction = await (await this.#connected()).transaction();
    try {
      await transaction.sendBatch(batch);
    } catch (error) {
      // Part of the batch may be on the log under this producer's sequence numbers; sent again
      // with the same numbers, the broker would take it for a retry of those (aborted) records
      // and drop it. A fresh producer id starts new sequences.
      await transaction.abort().catch(() => {});
      await this.#reset();
      throw error;
    }
    try {
      await transaction.commit();
    } catch (error) {
      // The commit request never left (no coordinator): the transaction is still open, and a
      // fresh producer of the same id aborts it. Once the request left, the outcome is unknown.
      if (!isCoordinatorNotFound(error)) throw new UncertainCommitError(error);
      await this.#reset();
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.#producer?.disconnect().catch(() => {});
    this.#producer = undefined;
  }

  async #connected(): Promise<Producer> {
    if (this.#producer !== undefined) return this.#producer;
    const producer = this.#kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      transactionalId: this.#transactionalId,
      // A producer killed mid-batch holds back read_committed consumers until this runs out.
      transactionTimeout: 30_000,
      // About 45 s of retries: a send rides out a broker restart.
      retry: { retries: 12, initialRetryTime: 300, maxRetryTime: 5_000 },
    });
    await producer.connect();
    this.#producer = producer;
    return producer;
  }

  /** Drops the producer; the next one's start (InitProducerId) aborts any open transaction. */
  async #reset(): Promise<void> {
    await this.close();
  }
}

function isCoordinatorNotFound(error: unknown): boolean {
  return (error as { name?: string })?.name === "KafkaJSGroupCoordinatorNotFound";
}

/** A commit request went out and no answer came back: the batch may or may not be readable. */
export class UncertainCommitError extends SluiceError {
  override name = "UncertainCommitError";
  constructor(cause: unknown) {
    super(
      `Kafka did not confirm a batch's transaction (${errorMessage(cause)}): it may or may not ` +
        `be on the topics; check the broker, then produce the rest again`,
    );
  }
}
