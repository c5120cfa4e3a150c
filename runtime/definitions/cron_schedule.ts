// A cron expression in a time zone, as schedules and `onCron()` conditions use it: the ticks it
// makes between two instants, daylight saving included. Parsing is croner's; the rules for the
// two days a year the wall clock jumps are defined here, once:
// - spring forward: a time in the gap runs at the first valid minute after it, on the same day,
//   for a fixed-time expression (`30 2 * * *`); an interval expression (`0 * * * *`) has no
//   tick in the gap (croner's rules, after Vixie cron);
// - fall back: a wall-clock time that occurs twice fires ONCE, at its first occurrence, for
//   every expression: an hourly schedule makes 24 ticks on the 25-hour day, not 25, so a
//   partition named by local time is never asked for twice.
import { Cron } from "croner";
import { DefinitionError } from "../errors.ts";

export interface CronSchedule {
  readonly expression: string;
  readonly timezone: string;
  /** The first tick strictly after `after`, or undefined when the expression has none. */
  next(after: Date): Date | undefined;
  /** The ticks in (after, upTo], oldest first; at most `limit`, the latest ones. */
  between(after: Date, upTo: Date, limit?: number): Date[];
  /** `0 2 * * * (UTC)`. */
  describe(): string;
}

/** Parses `expression` in `timezone`; a bad one throws DefinitionError naming `subject`. */
export function cronSchedule(
  expression: string,
  timezone: string,
  subject: string,
): CronSchedule {
  try {
    Temporal.Now.plainDateISO(timezone);
  } catch {
    throw new DefinitionError(
      `${subject} has time zone '${timezone}': expected an IANA name like 'Europe/Berlin' or 'UTC'`,
    );
  }
  let cron: Cron;
  try {
    cron = new Cron(expression, { timezone, paused: true, mode: "5-or-6-parts" });
  } catch (error) {
    const why = error instanceof Error ? error.message.replace(/^CronPattern: /, "") : error;
    throw new DefinitionError(
      `${subject} has cron expression '${expression}': ${why}; expected five fields like ` +
        "'0 2 * * *' (minute hour day-of-month month day-of-week)",
    );
  }
  const next = (after: Date): Date | undefined => {
    let from = after;
    // A repeated wall-clock time is skipped; the next one is at most a few ticks on.
    for (let guard = 0; guard < 10_000; guard++) {
      const candidate = cron.nextRun(from);
      if (candidate === null) return undefined;
      if (!isRepeatedWallTime(candidate, timezone)) return candidate;
      from = candidate;
    }
    return undefined;
  };
  return Object.freeze({
    expression,
    timezone,
    next,
    between(after: Date, upTo: Date, limit = Number.POSITIVE_INFINITY): Date[] {
      const ticks: Date[] = [];
      for (let tick = next(after); tick && tick.getTime() <= upTo.getTime(); tick = next(tick)) {
        ticks.push(tick);
        if (ticks.length > limit) ticks.shift();
      }
      return ticks;
    },
    describe: () => `${expression} (${timezone})`,
  });
}

/** Whether the wall-clock time of `instant` in `timezone` already occurred an hour or so before. */
export function isRepeatedWallTime(instant: Date, timezone: string): boolean {
  const local = Temporal.Instant.fromEpochMilliseconds(instant.getTime())
    .toZonedDateTimeISO(timezone).toPlainDateTime();
  const first = local.toZonedDateTime(timezone, { disambiguation: "earlier" });
  return first.epochMilliseconds < instant.getTime();
}
