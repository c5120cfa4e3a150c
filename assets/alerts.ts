// With Kafka configured, each day's gold.fraud_alerts go out on the `fraud.alerts` topic, keyed by
// user, each alert exactly once. A send is recorded before it goes out (alert_ledger.ts), goes
// out in one Kafka transaction of its own, and its ids are recorded as sent in the same
// transaction as this asset's pointer. A send that a crash left undecided (after Kafka's
// acknowledgement, before that commit) is settled on the next attempt before anything else.
import { join } from "node:path";
import { DATA_FILE } from "../resources/duckdb/duckdb_sql_engine.ts";
import { openDuckDb } from "../resources/duckdb/duckdb.ts";
import { type AssetDefinition, defineAsset } from "../runtime/definitions/asset.ts";
import { inputFiles } from "../runtime/definitions/context.ts";
import type { MigrationSet } from "../runtime/definitions/definitions.ts";
import type { KafkaBronze } from "./resources.ts";
import type { SqlClient } from "../runtime/sql_client.ts";
import {
  pendingBatches,
  recordAborted,
  recordFirst,
  recordIntent,
  recordSent,
  sentAmong,
} from "./alert_ledger.ts";

/** The outbound schema: which alerts went out. */
export const OUTBOUND_MIGRATIONS: MigrationSet = {
  schema: "outbound",
  dir: new URL("../sql/outbound/", import.meta.url),
};

type AlertRow = {
  readonly order_id: string;
  readonly user_id: string;
  readonly json: string;
};

/** `outbound.fraud_alerts`: the day's alerts produced to fraud.alerts, each once. */
export function fraudAlertsOutAsset(fraudAlerts: AssetDefinition): AssetDefinition {
  return defineAsset({
    key: "outbound.fraud_alerts",
    group: "outbound",
    description: "The day's gold.fraud_alerts produced to the fraud.alerts Kafka topic, keyed " +
      "by user; each alert (by order id) is sent once, whatever reruns happen.",
    partitions: fraudAlerts.partitions,
    deps: [fraudAlerts],
    async materialize(ctx) {
      const kafka = ctx.resources.kafka;
      if (kafka === undefined) throw new Error("outbound.fraud_alerts needs KAFKA_BROKERS");
      const db = ctx.resources.warehouse;
      const settled = await settlePending(kafka, db, ctx.partition);
      const alerts = await readAlerts(inputFiles(ctx.input(fraudAlerts), DATA_FILE));
      const sent = await sentAmong(db, alerts.map((a) => a.order_id));
      const fresh = alerts.filter((a) => !sent.has(a.order_id));
      const batchId = crypto.randomUUID();
      const batch = {
        batchId,
        // Its own transactional id: settling it fences this send and no other.
        transactionalId: `sluice-alerts-${batchId}`,
        topic: kafka.alertsTopic,
        alertIds: fresh.map((a) => a.order_id),
      };
      if (fresh.length > 0) {
        await recordIntent(db, ctx.partition, batch);
        await kafka.sendAlerts({
          transactionalId: batch.transactionalId,
          messages: fresh.map((a) => ({
            key: a.user_id,
            value: a.json,
            headers: { [BATCH_HEADER]: batchId },
          })),
          beforeCommit: (first) => recordFirst(db, batchId, first),
        });
      }
      await Deno.writeTextFile(
        join(ctx.output.dir, "sent.json"),
        JSON.stringify({ topic: batch.topic, sent: batch.alertIds }),
      );
      return {
        rows: fresh.length,
        metadata: {
          topic: batch.topic,
          sent: fresh.length,
          already_sent: sent.size,
          settled_committed: settled.committed,
          settled_aborted: settled.aborted,
        },
        inCommit: async (tx) => {
          if (fresh.length > 0) await recordSent(tx, batch);
        },
      };
    },
  });
}

/** Header on each alert record naming its send, for people tracing a record back. */
export const BATCH_HEADER = "sluice-alert-batch";

/**
 * Settles the sends of this partition a crash interrupted: a committed one's ids are recorded
 * as sent (so they do not go again), an aborted one is marked so (its ids go again).
 */
async function settlePending(
  kafka: KafkaBronze,
  db: SqlClient,
  partition: string,
): Promise<{ committed: number; aborted: number }> {
  const counts = { committed: 0, aborted: 0 };
  for (const batch of await pendingBatches(db, partition)) {
    if (await kafka.settleAlerts(batch.transactionalId, batch.first)) {
      await db.transaction((tx) => recordSent(tx, batch));
      counts.committed++;
    } else {
      await recordAborted(db, batch.batchId);
      counts.aborted++;
    }
  }
  return counts;
}

async function readAlerts(files: readonly string[]): Promise<AlertRow[]> {
  if (files.length === 0) return [];
  const db = await openDuckDb({ threads: 1 });
  try {
    const list = files.map((f) => `'${f.replaceAll("'", "''")}'`).join(", ");
    return await db.all<AlertRow>(
      `SELECT order_id::VARCHAR AS order_id, user_id::VARCHAR AS user_id,
         to_json(a)::VARCHAR AS json
       FROM read_parquet([${list}]) a ORDER BY order_id`,
    );
  } finally {
    db.close();
  }
}
