// Alerts to Kafka: the topic `sluice.alerts` (after KAFKA_TOPIC_PREFIX), created when missing,
// keyed by the alert's key so a redelivered alert is recognisable as the same one.
import { CompressionTypes, type Kafka, type Producer } from "kafkajs";
import type { AlertSink } from "../../runtime/automation/alert_delivery.ts";
import type { KafkaConfig } from "../config.ts";
import { explainKafkaError } from "../kafka/kafka_client.ts";
import { createTopics } from "../kafka/topics.ts";

export const ALERTS_TOPIC_NAME = "sluice.alerts";

export function kafkaAlertSink(kafka: Kafka, config: KafkaConfig): AlertSink & {
  readonly topic: string;
  close(): Promise<void>;
} {
  const topic = `${config.topicPrefix}${ALERTS_TOPIC_NAME}`;
  let producer: Producer | undefined;
  let ready: Promise<void> | undefined;
  const connect = async () => {
    const admin = kafka.admin();
    try {
      await admin.connect();
      if (!(await admin.listTopics()).includes(topic)) {
        await createTopics(admin, [{
          topic,
          numPartitions: 1,
          replicationFactor: 1,
          configEntries: [
            { name: "retention.ms", value: String(config.retentionHours * 3_600_000) },
          ],
        }]);
      }
    } finally {
      await admin.disconnect().catch(() => {});
    }
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
  };
  return {
    name: "kafka",
    topic,
    async deliver(alert) {
      try {
        await (ready ??= connect().catch((error) => {
          ready = undefined;
          throw error;
        }));
        await producer!.send({
          topic,
          acks: -1,
          compression: CompressionTypes.GZIP,
          messages: [{
            key: alert.key,
            value: JSON.stringify({
              key: alert.key,
              sensor: alert.sensor,
              message: alert.message,
              created_at: alert.createdAt.toISOString(),
              payload: alert.payload,
            }),
          }],
        });
      } catch (error) {
        throw explainKafkaError(error, config.brokers);
      }
    },
    async close() {
      await producer?.disconnect().catch(() => {});
    },
  };
}
