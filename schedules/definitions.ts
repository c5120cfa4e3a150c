// Sluice's own schedules, sensors and automation conditions: what `deno task daemon` runs for
// this project. The CLI hands them to the daemon; the runtime never imports this folder.
import type { AutomationDefinitions } from "../runtime/automation/automation_set.ts";
import { fraudModelDaily } from "./fraud_model_schedule.ts";
import {
  newSourceData,
  overdue,
  pipelineConditions,
  pipelineTagLimits,
  runFailures,
} from "./pipeline_automation.ts";
import { vacuumDaily } from "./vacuum_schedule.ts";

export function loadAutomation(): Promise<AutomationDefinitions> {
  return Promise.resolve({
    schedules: [fraudModelDaily, vacuumDaily],
    sensors: [newSourceData, overdue, runFailures],
    conditions: pipelineConditions,
    tagLimits: pipelineTagLimits,
  });
}
