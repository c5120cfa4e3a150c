// Sluice's own assets: the medallion pipeline from the landing zone to gold, the fraud model and
// its daily scores. The CLI entry point hands these to the runtime; the runtime never imports
// this folder.
import type { Definitions } from "../runtime/definitions/definitions.ts";
import { INGEST_MIGRATIONS } from "../ingest/migrations.ts";
import { trimSegments } from "../ingest/kafka/offset_ledger.ts";
import { dropStaleStages } from "../resources/postgres/stale_stages.ts";
import { fraudAlertsOutAsset, OUTBOUND_MIGRATIONS } from "./alerts.ts";
import { bronzeAssets, rejectedEventsAsset } from "./bronze.ts";
import { generateDefaultHistoryWhenEmpty } from "./default_day.ts";
import { fraudDetectorAsset } from "./fraud_detector.ts";
import { landingSources } from "./landing_sources.ts";
import { kafkaSources } from "./kafka_sources.ts";
import { orderRiskScoresAsset, SCORES_WAREHOUSE_MIGRATIONS } from "./order_risk_scores.ts";
import { kafkaConfigured, openPipelineResources } from "./resources.ts";
import { loadMarts, loadTransforms } from "./transforms.ts";
import { warehouseAssets } from "./warehouse.ts";

export async function loadDefinitions(): Promise<Definitions> {
  // Events come from Kafka when KAFKA_BROKERS is set (`deno task ingest` feeds bronze), else
  // from the landing zone.
  const kafka = kafkaConfigured(Deno.env.toObject());
  const sources = kafka ? kafkaSources() : landingSources();
  const bronze = bronzeAssets(sources);
  const transforms = await loadTransforms();
  const transform = (key: string) => transforms.find((a) => a.key === key)!;
  const model = fraudDetectorAsset(
    transform("silver.orders_enriched"),
    transform("gold.fraud_alerts"),
  );
  const scores = orderRiskScoresAsset(
    transform("silver.orders_enriched"),
    transform("gold.fraud_alerts"),
    model,
  );
  const warehouse = warehouseAssets([...transforms, scores]);
  const publishers = new Map(
    warehouse.map((asset) => [asset.deps[0].key, asset.key] as const),
  );
  return {
    assets: [
      ...sources,
      ...bronze,
      rejectedEventsAsset(bronze),
      ...transforms,
      model,
      scores,
      ...warehouse,
      ...await loadMarts(publishers),
      ...(kafka ? [fraudAlertsOutAsset(transform("gold.fraud_alerts"))] : []),
    ],
    migrations: [INGEST_MIGRATIONS, OUTBOUND_MIGRATIONS, SCORES_WAREHOUSE_MIGRATIONS],
    // The ingest wing's audit of which offsets went into which segment ages out with the rest;
    // stages of mart builds that failed or were killed go.
    trim: async (database, cutoff, dryRun, activeRuns) => ({
      kafka_segments: await trimSegments(database, cutoff, dryRun),
      mart_stages: await dropStaleStages(database, activeRuns, dryRun),
    }),
    resources: openPipelineResources,
    beforeMaterialize: kafka ? undefined : generateDefaultHistoryWhenEmpty,
    nextSteps: [
      "`deno task generate --start YYYY-MM-DD` lands another day; `deno task materialize` " +
      "then builds only that day's partitions and what depends on them.",
      "`deno task materialize --dry-run` shows what would run and why.",
      "`deno task models` lists the fraud model's versions, their figures and the champion.",
    ],
  };
}
