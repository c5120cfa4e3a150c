// The resources Sluice's assets use, declared on the runtime's Resources by module
// augmentation (so `ctx.resources.landing` is typed), and how a command opens them.
import type { Topic } from "../contracts/events/mod.ts";
import { loadConfig } from "../resources/config.ts";
import type { DuckDb } from "../resources/duckdb/duckdb.ts";
import { DEFAULT_GROUP } from "../ingest/kafka/bronze_ingestor.ts";
import { consumerLag } from "../ingest/kafka/consumer_lag.ts";
import { explainKafkaError, openKafka } from "../resources/kafka/kafka_client.ts";
import { ALERTS_TOPIC, topicName } from "../resources/kafka/topics.ts";
import { CompressionTypes } from "kafkajs";
import { LandingZone } from "../resources/landing/landing_zone.ts";
import type { OpenResources, ResourceEnvironment } from "../runtime/definitions/definitions.ts";
import type { Lake } from "../runtime/definitions/lake.ts";
import type { SqlClient } from "../runtime/sql_client.ts";

/** Bronze's view of Kafka: the ingesting group's committed segments and its lag. */
export interface KafkaBronze {
  readonly group: string;
  /** Records on `topic` not yet committed into bronze. */
  lag(topic: Topic): Promise<number>;
  /** Produces alerts to fraud.alerts (idempotent producer); returns the topic's broker name. */
  sendAlerts(messages: readonly { key: string; value: string }[]): Promise<string>;
}

declare module "../runtime/definitions/resources.ts" {
  interface Resources {
    /** The local landing zone the generator appends to and bronze reads. */
    landing: LandingZone;
    /** The Postgres warehouse: the metadata database, where gold is published and marts built. */
    warehouse: SqlClient;
    /** The lake, where bronze reads the segments `deno task ingest` wrote. */
    lake: Lake;
    /** Set when KAFKA_BROKERS is: bronze then reads Kafka segments, not the landing zone. */
    kafka?: KafkaBronze;
    /** A shared DuckDB for publishing, when the application opens one. */
    duckdb?: DuckDb;
  }
}

/** The landing zone is `<SLUICE_HOME>/landing`, where `deno task generate` writes by default. */
export function landingRoot(environment: ResourceEnvironment): string {
  return `${environment.home}/landing`;
}

/** Whether events come from Kafka (KAFKA_BROKERS set) rather than the landing zone. */
export function kafkaConfigured(env: Readonly<Record<string, string | undefined>>): boolean {
  return Boolean(env.KAFKA_BROKERS);
}

export function openPipelineResources(environment: ResourceEnvironment): Promise<OpenResources> {
  const kafkaConfig = loadConfig(environment.env).kafka;
  const kafka = kafkaConfig === undefined ? undefined : openKafka(kafkaConfig);
  return Promise.resolve({
    resources: {
      landing: new LandingZone(landingRoot(environment)),
      warehouse: environment.database,
      lake: environment.lake,
      ...(kafka && kafkaConfig && {
        kafka: {
          group: DEFAULT_GROUP,
          async lag(topic: Topic) {
            const admin = kafka.admin();
            try {
              await admin.connect();
              return await consumerLag(
                admin,
                environment.database,
                DEFAULT_GROUP,
                topicName(kafkaConfig.topicPrefix, topic),
              );
            } catch (error) {
              throw explainKafkaError(error, kafkaConfig.brokers);
            } finally {
              await admin.disconnect().catch(() => {});
            }
          },
          async sendAlerts(messages) {
            const topic = topicName(kafkaConfig.topicPrefix, ALERTS_TOPIC);
            if (messages.length === 0) return topic;
            const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
            try {
              await producer.connect();
              await producer.send({
                topic,
                acks: -1,
                compression: CompressionTypes.GZIP,
                messages: [...messages],
              });
              return topic;
            } catch (error) {
              throw explainKafkaError(error, kafkaConfig.brokers);
            } finally {
              await producer.disconnect().catch(() => {});
            }
          },
        },
      }),
    },
    close: () => Promise.resolve(),
  });
}
