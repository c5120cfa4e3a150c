// With Kafka configured, each topic is an observable source, `kafka.<topic>`: an event day's
// version is the set of bronze segments committed for it (new records show as "source has new
// data" on that day's bronze partition), and the observation reports the consumer lag.
import { TOPICS } from "../contracts/events/mod.ts";
import { segmentsByDay } from "../resources/kafka/offset_ledger.ts";
import { defineSource, type SourceAsset } from "../runtime/asset.ts";
import { daily } from "../runtime/partitions/daily_partitions.ts";
import { dataVersion, hashParts } from "../runtime/version.ts";
import { completeDays } from "./complete_days.ts";
import { EVENT_DAYS_START } from "./partitions.ts";
import type {} from "./resources.ts";

/** `kafka.<topic>` for each of the six topics, in TOPICS order. */
export function kafkaSources(): SourceAsset[] {
  const partitions = daily({ start: EVENT_DAYS_START });
  return TOPICS.map((topic) =>
    defineSource({
      key: `kafka.${topic}`,
      group: "kafka",
      description: `Kafka topic ${topic}: records committed into bronze segments, per event day; ` +
        "the observation reports how far ingestion lags the topic.",
      partitions,
      async observe(ctx) {
        const kafka = ctx.resources.kafka;
        if (kafka === undefined) {
          throw new Error("kafka sources need KAFKA_BROKERS: the kafka resource is not open");
        }
        const days = await segmentsByDay(ctx.resources.warehouse, kafka.group, topic);
        const { observed, later } = completeDays(
          partitions,
          [...days].map(([day, segments]) => [day, dataVersion(hashParts(segments.ids))] as const),
          ctx.now,
        );
        const lag = await kafka.lag(topic);
        if (lag > 0) ctx.log.info(`kafka.${topic}: ingestion lags by ${lag} records`);
        return {
          partitions: observed,
          metadata: { days: observed.size, not_yet_partitions: later, lag_records: lag },
          pendingRecords: lag,
        };
      },
    })
  );
}
