// With Kafka configured, each topic is an observable source, `kafka.<topic>`. `deno task ingest`
// appends its records to bronze as they arrive (bronze_parts.ts), so the source's event days are
// the days bronze holds, and what it has that bronze lacks is the consumer lag: records past the
// committed offsets, which show as "source has new data" on bronze with their count.
import { TOPICS } from "../contracts/events/mod.ts";
import { type BronzeTarget, sourceDayVersion } from "../ingest/kafka/bronze_parts.ts";
import { assetKey } from "../runtime/definitions/asset_key.ts";
import type { RunId } from "../runtime/store/metadata_store.ts";
import { BRONZE_CODE_VERSION } from "./bronze.ts";
import { defineSource, type SourceAsset } from "../runtime/definitions/asset.ts";
import { daily } from "../runtime/partitions/daily_partitions.ts";
import { codeVersionOf } from "../runtime/definitions/version.ts";
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
      description: `Kafka topic ${topic}, per event day of the records ingested into bronze; ` +
        "the observation reports how far ingestion lags the topic.",
      partitions,
      async observe(ctx) {
        const kafka = ctx.resources.kafka;
        if (kafka === undefined) {
          throw new Error("kafka sources need KAFKA_BROKERS: the kafka resource is not open");
        }
        const days = await ctx.currentVersions(assetKey(`bronze.${topic}`));
        const { observed, later } = completeDays(
          partitions,
          [...days.keys()].map((day) => [day, sourceDayVersion(topic, day)] as const),
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

/** Where `deno task ingest` appends: `bronze.<topic>`, reading `kafka.<topic>`. */
export function kafkaBronzeTarget(runId: RunId): BronzeTarget {
  return {
    bronzeKey: (topic) => assetKey(`bronze.${topic}`),
    sourceKey: (topic) => assetKey(`kafka.${topic}`),
    // What defineAsset makes of bronze's declared version, so appends match the definition.
    codeVersion: codeVersionOf(BRONZE_CODE_VERSION),
    runId,
  };
}
