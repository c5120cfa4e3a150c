import assert from "node:assert/strict";
import { assetKey } from "../../../runtime/definitions/asset_key.ts";
import { partitionKey } from "../../../runtime/partitions/partition_key.ts";
import { emptyCounts, rollupStatus } from "../../../runtime/staleness/rollup.ts";
import type { PartitionStatus } from "../../../runtime/staleness/status.ts";
import type { AssetStatusSummary } from "../../../runtime/staleness/status_resolver.ts";
import { rankedReasons } from "../../../runtime/staleness/status_views.ts";

function summary(statuses: Record<string, PartitionStatus>): AssetStatusSummary {
  const counts = emptyCounts();
  for (const status of Object.values(statuses)) counts[status.status]++;
  return {
    key: assetKey("models.fraud_detector"),
    partitions: new Map(
      Object.entries(statuses).map(([partition, status]) => [partitionKey(partition), status]),
    ),
    counts,
    status: rollupStatus(counts),
  };
}

/** A partition of a reader of the day before, waiting because that day has no data. */
function waitingOnDayBefore(dayBefore: string): PartitionStatus {
  return {
    status: "waiting",
    causes: [{
      kind: "waiting",
      upstream: assetKey("gold.fraud_alerts"),
      partition: partitionKey(dayBefore),
      partitionsRead: 1,
      source: assetKey("landing.devices"),
    }],
  };
}

Deno.test("an asset's reasons count a reader of the day before waiting on each day as one reason", () => {
  const reasons = rankedReasons(summary({
    "2026-01-02": waitingOnDayBefore("2026-01-01"),
    "2026-01-03": waitingOnDayBefore("2026-01-02"),
    "2026-01-04": waitingOnDayBefore("2026-01-03"),
    "2026-01-05": { status: "never", causes: [{ kind: "never_materialized" }] },
  }));
  assert.deepEqual(reasons, [
    "never materialized (1)",
    "upstream gold.fraud_alerts has no data: none in landing.devices (3)",
  ]);
});
