// `deno task generate --kafka`: the same seeded events, produced to the six topics instead of
// the landing zone, with the topics created first when missing.
import type { KafkaConfig } from "../resources/config.ts";
import { produceEvents, type ProduceReport } from "../resources/kafka/event_producer.ts";
import { TransactionalSender } from "../resources/kafka/transactional_sender.ts";
import { explainKafkaError, openKafka } from "../resources/kafka/kafka_client.ts";
import { ensureTopics } from "../resources/kafka/topics.ts";
import { streamEvents } from "./event_stream.ts";
import type { GeneratorOptions } from "./options.ts";
import { streamOptionsOf } from "./run.ts";

export interface KafkaGenerationReport extends ProduceReport {
  readonly createdTopics: readonly string[];
  /** Batches that failed and went again; unconfirmed commits and how they turned out. */
  readonly recovered: TransactionalSender["recovered"];
}

export async function produceToKafka(
  options: GeneratorOptions,
  config: KafkaConfig,
): Promise<KafkaGenerationReport> {
  const kafka = openKafka(config);
  const admin = kafka.admin();
  const sender = new TransactionalSender(kafka, "sluice-generator");
  try {
    await admin.connect();
    const createdTopics = await ensureTopics(
      admin,
      { retentionHours: config.retentionHours },
      config.topicPrefix,
    );
    await sender.connect();
    const report = await produceEvents(
      sender,
      streamEvents(streamOptionsOf(options)),
      {
        batchSize: options.batchSize,
        targetRate: options.targetRate,
        topicPrefix: config.topicPrefix,
      },
    );
    return { ...report, createdTopics, recovered: sender.recovered };
  } catch (error) {
    throw explainKafkaError(error, config.brokers);
  } finally {
    await sender.close();
    await admin.disconnect().catch(() => {});
  }
}

export function formatKafkaReport(report: KafkaGenerationReport, brokers: readonly string[]) {
  const seconds = report.elapsedMs / 1000;
  const lines = [];
  if (report.createdTopics.length > 0) {
    lines.push(`Created topics ${report.createdTopics.join(", ")} on ${brokers.join(",")}`);
  }
  const { resent, foundCommitted, foundAborted } = report.recovered;
  if (resent > 0) {
    lines.push(
      `${resent} failed batch attempt(s) went again in new transactions; of the commits Kafka ` +
        `did not confirm, ${foundCommitted} had committed and ${foundAborted} had aborted`,
    );
  }
  lines.push(
    `Produced ${report.events.toLocaleString("en-US")} events in ${report.batches} batches to ` +
      `${brokers.join(",")} in ${seconds.toFixed(1)} s (${
        Math.round(report.events / seconds).toLocaleString("en-US")
      } events/s)`,
  );
  return lines;
}
