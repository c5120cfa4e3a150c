// The schedules and sensors pages over the store: the daemon's definitions (schedules/) read
// through the CLI's views (`deno task schedules`, `sensors`) with their state, recent ticks and
// last evaluation from store.automation.
import { scheduleView, sensorView } from "../../runtime/automation/automation_views.ts";
import type { ScheduleDefinition } from "../../runtime/automation/schedule.ts";
import type { AutomationStore } from "../../runtime/store/metadata_store.ts";
import { requestRunId } from "./request_runs.ts";
import type { ScheduleView, SensorView } from "./ui_data.ts";

/** What the daemon automates, as its pages list it (the assets' conditions count as a sensor). */
export interface UiAutomation {
  readonly schedules: readonly ScheduleDefinition[];
  readonly sensors: readonly Parameters<typeof sensorView>[0][];
}

/** Recent ticks listed per schedule. */
const TICKS = 10;

export async function scheduleViews(
  store: AutomationStore,
  schedules: UiAutomation["schedules"],
  now: Date,
): Promise<ScheduleView[]> {
  if (schedules.length === 0) return [];
  const states = await store.states("schedule");
  return await Promise.all(schedules.map(async (schedule) => {
    const ticks = await store.listTicks(schedule.name, TICKS);
    const view = scheduleView(schedule, states.get(schedule.name), ticks[0], now);
    return {
      name: view.name,
      state: view.state,
      cron: view.cron,
      timezone: view.timezone,
      selection: view.kind === "vacuum" ? "(vacuum)" : view.selection || "*",
      nextTickAt: view.next_tick ?? undefined,
      description: view.description,
      ticks: ticks.map((tick) => ({
        at: tick.tickAt.toISOString(),
        status: tick.status,
        ...(tick.requestIds.length > 0 && { runId: requestRunId(tick.requestIds[0]) }),
        ...(tick.reason !== undefined && { reason: tick.reason }),
      })),
    };
  }));
}

/** Each sensor with its cursor and its last evaluation (the store keeps only that one). */
export async function sensorViews(
  store: AutomationStore,
  sensors: UiAutomation["sensors"],
): Promise<SensorView[]> {
  if (sensors.length === 0) return [];
  const states = await store.states("sensor");
  return sensors.map((sensor) => {
    const view = sensorView(sensor, states.get(sensor.name));
    const reason = view.last_error ?? view.skip_reason;
    return {
      name: view.name,
      state: view.state,
      everySeconds: view.minimum_interval_seconds,
      description: view.description,
      ...(view.cursor !== null && { cursor: view.cursor }),
      ticks: view.last_evaluation === null ? [] : [{
        at: view.last_evaluation,
        status: view.last_error !== null
          ? "failed"
          : (view.last_requests ?? 0) > 0
          ? "requested"
          : "skipped",
        ...(reason !== null && { reason }),
      }],
    };
  });
}
