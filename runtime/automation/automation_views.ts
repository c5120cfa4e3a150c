// The shapes `schedules --json`, `sensors --json` and `runs --json` print, built from the
// definitions and what the store holds: one place, so the UI's JSON API can serve the same.
import type {
  AutomationState,
  DaemonRecord,
  RunRecord,
  RunRequestRecord,
  ScheduleTick,
} from "../store/metadata_store.ts";
import { AUTOMATION_SENSOR } from "./automation_conditions.ts";
import type { ScheduleDefinition } from "./schedule.ts";
import type { SensorDefinition } from "./sensor.ts";

export interface ScheduleView {
  readonly name: string;
  readonly state: "on" | "off";
  /** When it was turned on or off; null until a daemon first saw it. */
  readonly state_since: string | null;
  readonly cron: string;
  readonly timezone: string;
  readonly kind: string;
  readonly selection: string;
  readonly catch_up: string;
  /** The next tick after now (while on). */
  readonly next_tick: string | null;
  readonly last_tick: {
    readonly at: string;
    readonly status: string;
    readonly request_ids: readonly string[];
    readonly reason: string | null;
    readonly daemon: string;
  } | null;
  readonly description: string;
}

export function scheduleView(
  schedule: ScheduleDefinition,
  state: AutomationState | undefined,
  lastTick: ScheduleTick | undefined,
  now: Date,
): ScheduleView {
  const on = state?.enabled ?? schedule.defaultState === "on";
  return {
    name: schedule.name,
    state: on ? "on" : "off",
    state_since: state?.changedAt.toISOString() ?? null,
    cron: schedule.cron.expression,
    timezone: schedule.cron.timezone,
    kind: schedule.kind,
    selection: schedule.selection,
    catch_up: `${schedule.catchUp.policy}, max ${schedule.catchUp.max}`,
    next_tick: on ? schedule.cron.next(now)?.toISOString() ?? null : null,
    last_tick: lastTick === undefined ? null : {
      at: lastTick.tickAt.toISOString(),
      status: lastTick.status,
      request_ids: lastTick.requestIds,
      reason: lastTick.reason ?? null,
      daemon: lastTick.daemonId,
    },
    description: schedule.description,
  };
}

export interface SensorView {
  readonly name: string;
  readonly state: "on" | "off";
  readonly minimum_interval_seconds: number;
  readonly last_evaluation: string | null;
  readonly last_requests: number | null;
  readonly skip_reason: string | null;
  readonly last_error: string | null;
  readonly cursor: string | null;
  readonly description: string;
}

export function sensorView(
  sensor: Pick<
    SensorDefinition,
    "name" | "minimumIntervalSeconds" | "description" | "defaultState"
  >,
  state: AutomationState | undefined,
): SensorView {
  return {
    name: sensor.name,
    state: (state?.enabled ?? sensor.defaultState === "on") ? "on" : "off",
    minimum_interval_seconds: sensor.minimumIntervalSeconds,
    last_evaluation: state?.lastEvaluatedAt?.toISOString() ?? null,
    last_requests: state?.lastRequests ?? null,
    skip_reason: state?.lastSkipReason ?? null,
    last_error: state?.lastError ?? null,
    cursor: state?.cursor ?? null,
    description: sensor.description,
  };
}

/** The assets' automation conditions, listed as a sensor (they are claimed like one). */
export function conditionsSensor(assets: number, intervalMs: number) {
  return {
    name: AUTOMATION_SENSOR,
    minimumIntervalSeconds: intervalMs / 1000,
    description: `The automation conditions of ${assets} asset${assets === 1 ? "" : "s"}.`,
    defaultState: "on" as const,
  };
}

export interface RunRequestView {
  readonly id: string;
  readonly status: string;
  readonly kind: string;
  readonly origin: string;
  readonly origin_name: string | null;
  readonly selection: string;
  readonly partitions: string | null;
  readonly force: boolean;
  readonly tags: Readonly<Record<string, string>>;
  readonly run_key: string | null;
  readonly created_at: string;
  readonly claimed_at: string | null;
  readonly finished_at: string | null;
  readonly daemon: string | null;
  readonly claimed_by: string | null;
  readonly cancel_requested: boolean;
  readonly claims: number;
  readonly requeues: number;
  readonly message: string | null;
  readonly run: {
    readonly id: string;
    readonly status: string;
    readonly started_at: string;
    readonly finished_at: string | null;
  } | null;
  readonly runs: readonly string[];
}

export function runRequestView(
  request: RunRequestRecord,
  run: RunRecord | undefined,
): RunRequestView {
  return {
    id: request.id,
    status: request.status,
    kind: request.kind,
    origin: request.origin,
    origin_name: request.originName ?? null,
    selection: request.selection,
    partitions: request.partitions ?? null,
    force: request.force,
    tags: request.tags,
    run_key: request.runKey ?? null,
    created_at: request.createdAt.toISOString(),
    claimed_at: request.claimedAt?.toISOString() ?? null,
    finished_at: request.finishedAt?.toISOString() ?? null,
    daemon: request.daemonId ?? null,
    claimed_by: request.claimedBy ?? null,
    cancel_requested: request.cancelRequested,
    claims: request.claims,
    requeues: request.requeues,
    message: request.message ?? null,
    run: run === undefined ? null : {
      id: run.id,
      status: run.status,
      started_at: run.startedAt.toISOString(),
      finished_at: run.finishedAt?.toISOString() ?? null,
    },
    runs: request.runIds,
  };
}

/** A run no request started (`deno task materialize`, `ingest`), as `runs --json` lists it. */
export interface RunView {
  readonly id: string;
  readonly status: string;
  /** The command that started it: `materialize`, `ingest`, `vacuum`. */
  readonly origin: string;
  readonly selection: string;
  readonly partitions: string;
  readonly started_at: string;
  readonly finished_at: string | null;
  readonly host: string;
  readonly pid: number;
  /** Why it ended as it did, when its summary says (an abandoned run: who noticed its death). */
  readonly reason: string | null;
}

export function runView(run: RunRecord): RunView {
  return {
    id: run.id,
    status: run.status,
    origin: run.command,
    selection: run.selection,
    partitions: run.partitions,
    started_at: run.startedAt.toISOString(),
    finished_at: run.finishedAt?.toISOString() ?? null,
    host: run.host,
    pid: run.pid,
    reason: runReason(run),
  };
}

/** The reason a run's summary records (`reason` of an abandoned run, `error` of a failed one). */
export function runReason(run: RunRecord): string | null {
  for (const field of ["reason", "error"]) {
    const value = run.summary[field];
    if (typeof value === "string" && value !== "") return value;
  }
  return null;
}

export interface DaemonView {
  readonly id: string;
  readonly status: string;
  readonly host: string;
  readonly pid: number;
  readonly started_at: string;
  readonly heartbeat_at: string;
  readonly lapsed: boolean;
  readonly max_runs: number;
  readonly note: string | null;
}

export function daemonView(daemon: DaemonRecord): DaemonView {
  return {
    id: daemon.id,
    status: daemon.status,
    host: daemon.host,
    pid: daemon.pid,
    started_at: daemon.startedAt.toISOString(),
    heartbeat_at: daemon.heartbeatAt.toISOString(),
    lapsed: daemon.lapsed,
    max_runs: daemon.maxRuns,
    note: daemon.note ?? null,
  };
}
