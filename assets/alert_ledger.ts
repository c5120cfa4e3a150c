// The outbound schema's ledger of alert sends: which alert ids went out (alerts_sent) and each
// send's batch (alert_batches), recorded before it goes out so a send a crash interrupted is
// settled, never guessed: its Kafka transaction either committed (its ids are recorded as sent)
// or aborted (they go out again).
import type { RecordPosition } from "../resources/kafka/committed_check.ts";
import type { AppTransaction, SqlClient } from "../runtime/sql_client.ts";

export interface PendingBatch {
  readonly batchId: string;
  readonly transactionalId: string;
  readonly topic: string;
  readonly alertIds: readonly string[];
  readonly first: RecordPosition | undefined;
}

/** The ids among `ids` already sent. */
export async function sentAmong(db: SqlClient, ids: readonly string[]): Promise<Set<string>> {
  const rows = await db.query<{ alert_id: string }>(
    "select alert_id from outbound.alerts_sent where alert_id = any($1)",
    [ids],
  );
  return new Set(rows.map((r) => r.alert_id));
}

/** Records a send about to happen (committed at once, before anything reaches Kafka). */
export async function recordIntent(
  db: SqlClient,
  partition: string,
  batch: Omit<PendingBatch, "first">,
): Promise<void> {
  await db.query(
    `insert into outbound.alert_batches
       (batch_id, partition_key, transactional_id, kafka_topic, alert_ids)
     values ($1, $2, $3, $4, $5)`,
    [batch.batchId, partition, batch.transactionalId, batch.topic, batch.alertIds],
  );
}

/** Records where the batch's first record landed, after the broker's ack, before the commit. */
export async function recordFirst(
  db: SqlClient,
  batchId: string,
  first: RecordPosition,
): Promise<void> {
  await db.query(
    "update outbound.alert_batches set first_record = $2::text::jsonb where batch_id = $1",
    [
      batchId,
      JSON.stringify({ topic: first.topic, partition: first.partition, offset: `${first.offset}` }),
    ],
  );
}

/** The sends of `partition` that began and were never settled, oldest first. */
export async function pendingBatches(db: SqlClient, partition: string): Promise<PendingBatch[]> {
  const rows = await db.query<{
    batch_id: string;
    transactional_id: string;
    kafka_topic: string;
    alert_ids: string[];
    first_record: { topic: string; partition: number; offset: string } | null;
  }>(
    `select batch_id, transactional_id, kafka_topic, alert_ids, first_record
     from outbound.alert_batches where partition_key = $1 and state = 'pending'
     order by created_at, batch_id`,
    [partition],
  );
  return rows.map((row) => ({
    batchId: row.batch_id,
    transactionalId: row.transactional_id,
    topic: row.kafka_topic,
    alertIds: row.alert_ids,
    first: row.first_record === null ? undefined : {
      topic: row.first_record.topic,
      partition: row.first_record.partition,
      offset: BigInt(row.first_record.offset),
    },
  }));
}

/** Marks a batch sent and its ids recorded, in `tx` (the asset's commit, or its own). */
export async function recordSent(
  tx: AppTransaction,
  batch: Pick<PendingBatch, "batchId" | "topic" | "alertIds">,
): Promise<void> {
  for (let at = 0; at < batch.alertIds.length; at += 1000) {
    await tx.query(
      `insert into outbound.alerts_sent (alert_id, kafka_topic)
       select unnest($1::text[]), $2 on conflict do nothing`,
      [batch.alertIds.slice(at, at + 1000), batch.topic],
    );
  }
  await tx.query(
    `update outbound.alert_batches set state = 'sent', settled_at = now() where batch_id = $1`,
    [batch.batchId],
  );
}

/** Marks a batch whose transaction aborted: its ids were never readable. */
export async function recordAborted(db: SqlClient, batchId: string): Promise<void> {
  await db.query(
    `update outbound.alert_batches set state = 'aborted', settled_at = now() where batch_id = $1`,
    [batchId],
  );
}
