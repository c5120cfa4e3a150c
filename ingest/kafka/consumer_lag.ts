// How far bronze ingestion lags a topic: the records between each partition's committed offset
// (in the ingest ledger) and its end offset on the broker.
import type { Admin } from "kafkajs";
import type { SqlClient } from "../../runtime/sql_client.ts";
import { loadOffsets, partitionId } from "./offset_ledger.ts";

export async function consumerLag(
  admin: Admin,
  database: SqlClient,
  group: string,
  kafkaTopic: string,
): Promise<number> {
  const committed = await loadOffsets(database, group);
  let lag = 0n;
  for (const p of await admin.fetchTopicOffsets(kafkaTopic)) {
    const next = committed.get(partitionId({ kafkaTopic, partition: p.partition })) ??
      BigInt(p.low);
    if (BigInt(p.high) > next) lag += BigInt(p.high) - next;
  }
  return Number(lag);
}
