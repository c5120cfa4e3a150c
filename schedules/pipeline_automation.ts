// How the pipeline keeps itself current: new source data is observed and what is stale below it
// runs (bronze → gold, eager, one request per day); the warehouse, the marts and the outbound
// alerts follow gold in their own lane, one run at a time (tag `warehouse`, limited to 1).
import { eager } from "../runtime/definitions/automation_condition.ts";
import type { SelectionCondition } from "../runtime/automation/automation_set.ts";
import { freshnessSensor } from "../runtime/automation/sensors/freshness_sensor.ts";
import { newSourceDataSensor } from "../runtime/automation/sensors/new_source_data_sensor.ts";
import { runFailureSensor } from "../runtime/automation/sensors/run_failure_sensor.ts";
import type { TagLimit } from "../runtime/store/metadata_store.ts";

/** Bronze to gold: materialized as soon as an upstream has new data. */
export const MEDALLION = "group:seeds,group:bronze,group:staging,group:silver,group:gold";
/** After gold, serialized: Postgres publishing and the marts built on it. */
export const WAREHOUSE = "group:warehouse,group:marts";

const afterGold = eager({ tags: { warehouse: "publish" } });

export const pipelineConditions: readonly SelectionCondition[] = [
  { selection: MEDALLION, condition: eager() },
  { selection: WAREHOUSE, condition: afterGold },
  // Alerts to Kafka exist only when KAFKA_BROKERS is set.
  { selection: "group:outbound", condition: afterGold, optional: true },
];

export const pipelineTagLimits: readonly TagLimit[] = [{ key: "warehouse", limit: 1 }];

export const newSourceData = newSourceDataSensor({
  name: "new_source_data",
  within: MEDALLION,
  minimumIntervalSeconds: 10,
});

export const overdue = freshnessSensor({ name: "freshness", minimumIntervalSeconds: 60 });

export const runFailures = runFailureSensor({ name: "run_failures", minimumIntervalSeconds: 10 });
