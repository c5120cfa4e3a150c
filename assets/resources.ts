// The resources Sluice's assets use, declared on the runtime's Resources by module
// augmentation (so `ctx.resources.landing` is typed), and how a command opens them.
import type { Topic } from "../contracts/events/mod.ts";
import { type DuckDbConfig, loadConfig } from "../resources/config.ts";
import type { DuckDb, DuckDbOptions } from "../resources/duckdb/duckdb.ts";
import { DEFAULT_GROUP } from "../ingest/kafka/bronze_ingestor.ts";
import { consumerLag } from "../ingest/kafka/consumer_lag.ts";
import { explainKafkaError, openKafka } from "../resources/kafka/kafka_client.ts";
import { ALERTS_TOPIC, topicName } from "../resources/kafka/topics.ts";
import {
  type OutboundBatch,
  sendInTransaction,
  settleTransaction,
} from "../resources/kafka/outbound_transaction.ts";
import type { RecordPosition } from "../resources/kafka/committed_check.ts";
import { LandingZone } from "../resources/landing/landing_zone.ts";
import type { OpenResources, ResourceEnvironment } from "../runtime/definitions/definitions.ts";
import type { Lake } from "../runtime/definitions/lake.ts";
import type { SqlClient } from "../runtime/sql_client.ts";

/** Bronze's view of Kafka: the ingesting group's committed segments and its lag. */
export interface KafkaBronze {
  readonly group: string;
  /** Records on `topic` not yet committed into bronze. */
  lag(topic: Topic): Promise<number>;
  /** fraud.alerts as the broker names it (with KAFKA_TOPIC_PREFIX). */
  readonly alertsTopic: string;
  /** Produces alerts to fraud.alerts in one Kafka transaction (see outbound_transaction.ts). */
  sendAlerts(batch: Omit<OutboundBatch, "topic">): Promise<void>;
  /** Settles a batch a crash left undecided: true if its transaction committed. */
  settleAlerts(transactionalId: string, first: RecordPosition | undefined): Promise<boolean>;
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
    /** Memory limit and threads of each DuckDB database a step opens (SLUICE_DUCKDB_*). */
    duckdbOptions?: DuckDbOptions;
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
  const config = loadConfig(environment.env);
  const kafkaConfig = config.kafka;
  const kafka = kafkaConfig === undefined ? undefined : openKafka(kafkaConfig);
  return Promise.resolve({
    resources: {
      landing: new LandingZone(landingRoot(environment)),
      warehouse: environment.database,
      lake: environment.lake,
      duckdbOptions: duckDbOptionsOf(config.duckdb),
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
          alertsTopic: topicName(kafkaConfig.topicPrefix, ALERTS_TOPIC),
          async sendAlerts(batch) {
            const topic = topicName(kafkaConfig.topicPrefix, ALERTS_TOPIC);
            await sendInTransaction(kafka, { ...batch, topic }).catch((error) => {
              throw explainKafkaError(error, kafkaConfig.brokers);
            });
          },
          settleAlerts: (transactionalId, first) =>
            settleTransaction(kafka, transactionalId, first).catch((error) => {
              throw explainKafkaError(error, kafkaConfig.brokers);
            }),
        },
      }),
    },
    close: () => Promise.resolve(),
  });
}

/** The DuckDB options SLUICE_DUCKDB_* set; unset ones keep DuckDB's (and openDuckDb's) defaults. */
function duckDbOptionsOf(config: DuckDbConfig): DuckDbOptions {
  return {
    ...(config.memoryLimit !== undefined && { memoryLimit: config.memoryLimit }),
    ...(config.threads !== undefined && { threads: config.threads }),
  };
}
