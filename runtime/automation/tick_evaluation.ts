// One pass of the daemon's automation at a given time: every schedule's due ticks (each tick
// recorded once across daemons), every due sensor, and the assets' automation conditions.
import type { AssetKey } from "../definitions/asset_key.ts";
import type { AutomationCondition } from "../definitions/automation_condition.ts";
import { errorMessage } from "../errors.ts";
import type { AssetGraph } from "../graph/asset_graph.ts";
import { resolveSelection } from "../graph/selection.ts";
import type { ScheduleTick } from "../store/metadata_store.ts";
import { AUTOMATION_SENSOR, evaluateAutomationConditions } from "./automation_conditions.ts";
import type { DaemonMetrics } from "./daemon_metrics.ts";
import type { ScheduleDefinition } from "./schedule.ts";
import { decideTicks } from "./schedule_ticks.ts";
import type { SensorDefinition } from "./sensor.ts";
import {
  evaluateSensor,
  type EvaluationReport,
  type SensorEvaluationEnv,
} from "./sensor_evaluation.ts";

export interface TickEnvironment extends SensorEvaluationEnv {
  readonly metrics?: DaemonMetrics;
}

/** Evaluates each schedule's due ticks; returns the ticks this daemon recorded. */
export async function evaluateSchedules(
  env: TickEnvironment,
  schedules: readonly ScheduleDefinition[],
  now: Date,
): Promise<ScheduleTick[]> {
  const recorded: ScheduleTick[] = [];
  // One read tells which schedules have a tick due (counted without asking for partitions);
  // only those are evaluated, under their lock.
  const states = schedules.length === 0 ? new Map() : await env.store.automation.states("schedule");
  for (const schedule of schedules) {
    const state = states.get(schedule.name);
    if (
      state !== undefined &&
      (!state.enabled || decideTicks(schedule, state, now, "due?").ticks.length === 0)
    ) {
      continue;
    }
    const unrunnable = whyUnrunnable(env.graph, schedule);
    const ticks = await env.store.automation.evaluateSchedule(
      schedule.name,
      env.daemonId,
      now,
      (state) => decideTicks(schedule, state, now, unrunnable),
    );
    for (const tick of ticks) {
      env.metrics?.ticks.inc({ schedule: schedule.name, status: tick.status });
      env.metrics?.requested.inc({ origin: "schedule" }, tick.requestIds.length);
      const fields = { schedule: schedule.name, tick: tick.tickAt.toISOString() };
      if (tick.status === "requested") {
        env.log.info(`schedule ${schedule.name} ticked: request ${tick.requestIds.join(", ")}`, {
          ...fields,
          ...(tick.reason === undefined ? {} : { note: tick.reason }),
        });
      } else {
        env.log.warn(`schedule ${schedule.name} tick ${tick.status}: ${tick.reason}`, fields);
      }
    }
    recorded.push(...ticks);
  }
  return recorded;
}

/** Evaluates each sensor that is due, and the automation conditions, side by side. */
export async function evaluateSensors(
  env: TickEnvironment,
  sensors: readonly SensorDefinition[],
  conditions: { readonly byAsset: ReadonlyMap<AssetKey, AutomationCondition>; intervalMs: number },
  now: Date,
): Promise<Map<string, EvaluationReport>> {
  const timed = (evaluation: Promise<EvaluationReport>) => {
    const began = performance.now();
    return evaluation.then((report) => ({ report, seconds: (performance.now() - began) / 1000 }));
  };
  const evaluations = sensors.map((sensor) =>
    [sensor.name, timed(evaluateSensor(env, sensor, now))] as const
  );
  if (conditions.byAsset.size > 0) {
    evaluations.push([
      AUTOMATION_SENSOR,
      timed(evaluateAutomationConditions(env, conditions.byAsset, conditions.intervalMs, now)),
    ]);
  }
  const reports = new Map<string, EvaluationReport>();
  for (const [name, evaluation] of evaluations) {
    const { report, seconds } = await evaluation;
    reports.set(name, report);
    if (report.kind === "not_due") continue;
    env.metrics?.evaluations.inc({ sensor: name, outcome: report.kind });
    env.metrics?.evaluationSeconds.observe({ sensor: name }, seconds);
    if (report.kind === "committed" && report.requests > 0) {
      const origin = name === AUTOMATION_SENSOR ? "automation" : "sensor";
      env.metrics?.requested.inc({ origin }, report.requests);
      env.log.info(`${name} asked for ${report.requests} run${report.requests === 1 ? "" : "s"}`, {
        sensor: name,
      });
    }
  }
  return reports;
}

/** Why a schedule's ticks cannot run (its selection names nothing), or undefined. */
function whyUnrunnable(graph: AssetGraph, schedule: ScheduleDefinition): string | undefined {
  if (schedule.kind !== "materialize") return undefined;
  try {
    const keys = resolveSelection(graph, schedule.selection);
    if ([...keys].some((key) => graph.get(key).kind === "asset")) return undefined;
    return `selection '${schedule.selection}' matches no asset in the graph`;
  } catch (error) {
    return `selection '${schedule.selection}' cannot be read: ${errorMessage(error)}`;
  }
}
