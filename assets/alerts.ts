// With Kafka configured, each day's gold.fraud_alerts go out on the `fraud.alerts` topic, keyed by
// user. Sent alert ids are recorded (schema outbound, OUTBOUND_MIGRATIONS) in the same
// transaction as this asset's pointer, and a rerun sends only the ids not recorded, so an alert
// is never sent twice by a rerun.
import { join } from "node:path";
import { DATA_FILE } from "../resources/duckdb/duckdb_sql_engine.ts";
import { openDuckDb } from "../resources/duckdb/duckdb.ts";
import { type AssetDefinition, defineAsset } from "../runtime/definitions/asset.ts";
import { inputFiles } from "../runtime/definitions/context.ts";
import type { MigrationSet } from "../runtime/definitions/definitions.ts";
import type {} from "./resources.ts";

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
      const files = inputFiles(ctx.input(fraudAlerts), DATA_FILE);
      const alerts = await readAlerts(files);
      const ids = alerts.map((a) => a.order_id);
      const sent = new Set(
        (await ctx.resources.warehouse.query<{ alert_id: string }>(
          `select alert_id from outbound.alerts_sent where alert_id = any($1)`,
          [ids],
        )).map((r) => r.alert_id),
      );
      const fresh = alerts.filter((a) => !sent.has(a.order_id));
      const topic = await kafka.sendAlerts(
        fresh.map((a) => ({ key: a.user_id, value: a.json })),
      );
      await Deno.writeTextFile(
        join(ctx.output.dir, "sent.json"),
        JSON.stringify({ topic, sent: fresh.map((a) => a.order_id) }),
      );
      return {
        rows: fresh.length,
        metadata: { topic, sent: fresh.length, already_sent: sent.size },
        inCommit: async (tx) => {
          for (let at = 0; at < fresh.length; at += 1000) {
            await tx.query(
              `insert into outbound.alerts_sent (alert_id, kafka_topic)
               select unnest($1::text[]), $2 on conflict do nothing`,
              [fresh.slice(at, at + 1000).map((a) => a.order_id), topic],
            );
          }
        },
      };
    },
  });
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
