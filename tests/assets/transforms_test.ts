// The transform asset list: every SQL asset loads (staging parses each bronze day once), daily ones start on EVENT_DAYS_START, and
// silver.orders_enriched carries the feature contract check without changing its code version.
import assert from "node:assert/strict";
import { EVENT_DAYS_START } from "../../assets/partitions.ts";
import { loadTransforms } from "../../assets/transforms.ts";
import { DailyPartitions } from "../../runtime/partitions/daily_partitions.ts";
import { codeVersionOf } from "../../runtime/definitions/version.ts";

Deno.test("loadTransforms() loads seeds, staging, silver and gold with daily partitions from EVENT_DAYS_START", async () => {
  const assets = await loadTransforms();
  assert.deepEqual(assets.map((asset) => asset.key), [
    "seeds.blocklist",
    "seeds.country_risk",
    "seeds.fx_rates",
    "staging.devices",
    "staging.geo_events",
    "staging.orders",
    "staging.payments",
    "staging.refunds",
    "staging.users",
    "silver.order_history",
    "silver.orders_enriched",
    "silver.payments",
    "silver.user_activity",
    "silver.users",
    "gold.fraud_alerts",
    "gold.fraud_summary",
    "gold.revenue_daily",
    "gold.user_fraud_scores",
  ]);
  const start = new DailyPartitions({ start: EVENT_DAYS_START }).startDay;
  for (const asset of assets.filter((a) => a.group !== "seeds")) {
    assert.ok(asset.partitions instanceof DailyPartitions, asset.key);
    assert.equal(asset.partitions.startDay, start, asset.key);
  }
});

Deno.test("silver.orders_enriched runs the feature contract check and keeps its SQL code version", async () => {
  const assets = await loadTransforms();
  const silver = assets.find((asset) => asset.key === "silver.orders_enriched")!;
  assert.deepEqual(silver.checks.map((check) => [check.name, check.severity]), [[
    "feature_contract",
    "error",
  ]]);
  assert.equal(silver.codeVersion, codeVersionOf(silver.sql!));
  // History comes from the per-user day state, the order rows from the day itself.
  assert.equal(
    silver.deps.find((d) => d.key === "silver.user_activity")?.mapping?.name,
    "window(31d)",
  );
  // No mapping declared: the same day.
  assert.equal(silver.deps.find((d) => d.key === "staging.orders")?.mapping, undefined);
});
