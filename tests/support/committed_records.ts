// What a read_committed consumer sees on a topic: the records of committed transactions only
// (a topic's offsets also count transaction markers and aborted records, so they cannot).
import type { IHeaders } from "kafkajs";
import { openKafka } from "../../resources/kafka/kafka_client.ts";

export interface CommittedRecord {
  readonly partition: number;
  readonly value: string;
  readonly headers: IHeaders;
}

/**
 * Reads `topic` from the start until `expected` records arrived, then a little longer (a
 * duplicate would come right behind); stops after `timeoutMs` whatever it has.
 */
export async function committedRecords(
  brokers: string,
  topic: string,
  expected: number,
  timeoutMs = 30_000,
): Promise<CommittedRecord[]> {
  const kafka = openKafka({
    brokers: brokers.split(","),
    clientId: "sluice-test",
    topicPrefix: "",
    retentionHours: 1,
  });
  const consumer = kafka.consumer({ groupId: `test-${crypto.randomUUID()}` });
  const seen: CommittedRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, expected === 0 ? 5_000 : timeoutMs);
      consumer.run({
        eachMessage: ({ partition, message }) => {
          seen.push({
            partition,
            value: message.value?.toString() ?? "",
            headers: message.headers ?? {},
          });
          if (seen.length === expected) {
            clearTimeout(timer);
            setTimeout(resolve, 3_000);
          }
          return Promise.resolve();
        },
      }).catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return seen;
}
