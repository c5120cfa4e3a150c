// Sends batches to Kafka one transaction each, so a batch is read once or never: after a failure
// the transaction is aborted (or fenced off by a fresh producer of the same transactional id)
// and the batch goes again; read_committed consumers never see the aborted attempt. A broker
// outage is ridden out: a batch is retried with backoff for up to OUTAGE_BUDGET_MS.
import type { Kafka, Producer, ProducerBatch, RecordMetadata } from "kafkajs";
import { type Clock, systemClock } from "../../runtime/clock.ts";
import { isCommitted, type RecordPosition } from "./committed_check.ts";
import { isPermanentKafkaError, KafkaOutageError } from "./kafka_client.ts";
import { errorMessage, SluiceError } from "../../runtime/errors.ts";

/** Where produceEvents hands its batches. */
export interface BatchSender {
  send(batch: ProducerBatch): Promise<void>;
  close(): Promise<void>;
}

/**
 * How long one batch keeps being retried, from the start of its first failed attempt: a broker
 * down for 60 s still needs its transaction coordinator to load once it is back.
 */
export const OUTAGE_BUDGET_MS = 90_000;

export interface SenderOptions {
  /** Retry a failing batch this long (OUTAGE_BUDGET_MS by default), then give up. */
  readonly outageBudgetMs?: number;
  readonly clock?: Clock;
}

export class TransactionalSender implements BatchSender {
  readonly #kafka: Kafka;
  readonly #budgetMs: number;
  readonly #clock: Clock;
  /** Unique per process, so two generators never fence each other off. */
  readonly #transactionalId: string;
  #producer: Producer | undefined;
  /** Failed attempts sent again, and unconfirmed commits found committed or aborted. */
  readonly recovered = { resent: 0, foundCommitted: 0, foundAborted: 0 };
  /** A record of the last batch, when Kafka never confirmed that batch's commit. */
  #unconfirmed: RecordPosition | undefined;

  constructor(kafka: Kafka, owner: string, options: SenderOptions = {}) {
    this.#kafka = kafka;
    this.#transactionalId = `${owner}-${crypto.randomUUID()}`;
    this.#budgetMs = options.outageBudgetMs ?? OUTAGE_BUDGET_MS;
    this.#clock = options.clock ?? systemClock;
  }

  /** Connects now, so a broker that cannot be reached fails before the first batch. */
  async connect(): Promise<void> {
    await this.#connected();
  }

  async send(batch: ProducerBatch): Promise<void> {
    let failingSince: number | undefined;
    for (let attempt = 1;; attempt++) {
      const began = this.#clock.now().getTime();
      try {
        await this.#attempt(batch);
        return;
      } catch (error) {
        if (error instanceof UncertainCommitError || isPermanentKafkaError(error)) throw error;
        failingSince ??= began;
        const outageMs = this.#clock.now().getTime() - failingSince;
        if (outageMs >= this.#budgetMs) {
          if (this.#unconfirmed !== undefined) throw new UncertainCommitError(error);
          throw new KafkaOutageError(outageMs, error);
        }
        this.recovered.resent++;
        await this.#clock.sleep(Math.min(250 * 2 ** attempt, 5_000));
      }
    }
  }

  /** One try; whatever fails before the commit request leaves nothing readable behind. */
  async #attempt(batch: ProducerBatch): Promise<void> {
    const producer = await this.#connected();
    if (this.#unconfirmed !== undefined) {
      // The fresh producer's start made the coordinator finish the unconfirmed transaction,
      // committed or aborted: its records say which.
      const committed = await isCommitted(this.#kafka, this.#unconfirmed);
      this.#unconfirmed = undefined;
      if (committed) {
        this.recovered.foundCommitted++;
        return;
      }
      this.recovered.foundAborted++;
    }
    const transaction = await producer.transaction();
    let sent: RecordMetadata[];
    try {
      sent = await transaction.sendBatch(batch);
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
      // Whether the commit request reached the coordinator is unknown. A fresh producer of the
      // same id makes the coordinator finish the transaction (commit if the request arrived,
      // abort if not); the next attempt reads which before sending the batch again.
      const first = sent.find((r) => r.baseOffset !== undefined && Number(r.baseOffset) >= 0);
      if (first === undefined) throw new UncertainCommitError(error);
      this.#unconfirmed = {
        topic: first.topicName,
        partition: first.partition,
        offset: BigInt(first.baseOffset!),
      };
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
      // A few seconds of retries within one attempt (a leader moving); a longer outage fails
      // the attempt, and send() goes again in a new transaction until its budget runs out.
      retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 3_000 },
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
