// The project's automation against its real asset graph: every selection resolves, the names
// are unique, the model trains the tick's own day, and the warehouse lane is limited to one run.
import assert from "node:assert/strict";
import { loadDefinitions } from "../../assets/definitions.ts";
import { resolveAutomation } from "../../runtime/automation/automation_set.ts";
import { decideTicks } from "../../runtime/automation/schedule_ticks.ts";
import { AssetGraph } from "../../runtime/graph/asset_graph.ts";
import { loadAutomation } from "../../schedules/definitions.ts";
import { fraudModelDaily } from "../../schedules/fraud_model_schedule.ts";

Deno.test("the project's automation resolves on its graph: eager bronze → gold, a warehouse lane after it", async () => {
  const graph = AssetGraph.build((await loadDefinitions()).assets);
  const definitions = await loadAutomation();
  const automation = resolveAutomation(graph, definitions);
  assert.deepEqual(automation.schedules.map((s) => s.name), ["fraud_model_daily", "vacuum_daily"]);
  assert.deepEqual(automation.sensors.map((s) => s.name), [
    "new_source_data",
    "freshness",
    "run_failures",
  ]);
  const laneOf = (key: string) => {
    const condition = automation.conditions.get(key as never);
    return condition && `${condition.kind}${JSON.stringify(condition.tags)}`;
  };
  for (
    const key of ["bronze.orders", "staging.orders", "silver.orders_enriched", "gold.revenue_daily"]
  ) {
    assert.equal(laneOf(key), "eager{}", key);
  }
  for (const key of ["warehouse.gold.revenue_daily", "marts.fact_orders"]) {
    assert.equal(laneOf(key), 'eager{"warehouse":"publish"}', key);
  }
  assert.equal(laneOf("landing.orders"), undefined);
  assert.deepEqual(definitions.tagLimits, [{ key: "warehouse", limit: 1 }]);
});

Deno.test("the fraud model schedule trains the tick's own UTC day at 02:00, the newest tick only", () => {
  const evaluation = decideTicks(
    fraudModelDaily,
    { lastTickAt: undefined, changedAt: new Date("2026-11-01T12:00:00Z") },
    new Date("2026-11-03T02:00:30Z"),
  );
  assert.deepEqual(
    evaluation.ticks.map((t) => [t.tickAt.toISOString(), t.requests[0].partitions, t.superseded]),
    [["2026-11-03T02:00:00.000Z", "2026-11-03", 1]],
  );
  assert.equal(evaluation.ticks[0].requests[0].selection, "models.fraud_detector");
});
