// Which ticks of a schedule are due, and what each asks for: a pure function of the schedule,
// its stored state and the time. Ticks before the schedule was turned on are never due; missed
// ticks are caught up by the schedule's policy; each tick's run key names the schedule and the
// tick, so a tick enqueues once however often it is decided.
import { errorMessage } from "../errors.ts";
import { parsePartitionSelection } from "../partitions/partition_selection.ts";
import type {
  AutomationState,
  NewRunRequest,
  ScheduleEvaluation,
  TickDecision,
} from "../store/metadata_store.ts";
import type { ScheduleDefinition } from "./schedule.ts";

/** How far back a lagging schedule looks for missed ticks; older ones are never run. */
export const MAX_CATCH_UP_MS = 31 * 86_400_000;

/**
 * The ticks due at `now`: those after both the last tick evaluated and the moment the schedule
 * was turned on, up to `now`. `unrunnable` (e.g. its selection names no asset) records them
 * as skipped with that reason.
 */
export function decideTicks(
  schedule: ScheduleDefinition,
  state: Pick<AutomationState, "lastTickAt" | "changedAt">,
  now: Date,
  unrunnable?: string,
): ScheduleEvaluation {
  const floor = Math.max(
    state.lastTickAt?.getTime() ?? Number.NEGATIVE_INFINITY,
    // A tick at the very moment it was turned on counts.
    state.changedAt.getTime() - 1,
    now.getTime() - MAX_CATCH_UP_MS,
  );
  const due = schedule.cron.between(new Date(floor), now);
  if (due.length === 0) return { ticks: [], lastTickAt: undefined };
  const keep = schedule.catchUp.policy === "latest" ? 1 : schedule.catchUp.max;
  const evaluated = due.slice(-keep);
  const superseded = due.length - evaluated.length;
  return {
    ticks: evaluated.map((tickAt, i) =>
      tickDecision(schedule, tickAt, i === 0 ? superseded : 0, unrunnable)
    ),
    lastTickAt: due.at(-1),
  };
}

/** The decision for one tick: its request, or why it is skipped or failed. */
export function tickDecision(
  schedule: ScheduleDefinition,
  tickAt: Date,
  superseded: number,
  unrunnable: string | undefined,
): TickDecision {
  const caughtUp = superseded > 0
    ? `caught up: ${superseded} earlier tick${superseded === 1 ? "" : "s"} superseded ` +
      `(catch-up ${schedule.catchUp.policy}, max ${schedule.catchUp.max})`
    : undefined;
  if (unrunnable !== undefined) {
    return { tickAt, status: "skipped", requests: [], superseded, reason: unrunnable };
  }
  let partitions: string | undefined;
  try {
    partitions = schedule.partitions?.(tickAt);
    if (partitions !== undefined) parsePartitionSelection(partitions);
  } catch (error) {
    return {
      tickAt,
      status: "failed",
      requests: [],
      superseded,
      reason: `partitions(${tickAt.toISOString()}) failed: ${errorMessage(error)}`,
    };
  }
  return {
    tickAt,
    status: "requested",
    requests: [scheduleRequest(schedule, tickAt, partitions)],
    superseded,
    reason: caughtUp,
  };
}

/** The run key of a tick: one request per schedule and tick time, ever. */
export function tickRunKey(scheduleName: string, tickAt: Date): string {
  return `schedule:${scheduleName}:${tickAt.toISOString()}`;
}

function scheduleRequest(
  schedule: ScheduleDefinition,
  tickAt: Date,
  partitions: string | undefined,
): NewRunRequest {
  return {
    runKey: tickRunKey(schedule.name, tickAt),
    kind: schedule.kind,
    selection: schedule.selection,
    partitions,
    force: schedule.force,
    tags: schedule.tags,
    origin: "schedule",
    originName: schedule.name,
    dueAt: tickAt,
  };
}
