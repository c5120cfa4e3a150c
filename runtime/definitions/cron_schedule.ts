// A cron expression in a time zone, as schedules and `onCron()` conditions use it: the ticks it
// makes between two instants, daylight saving included. Parsing is croner's; the rules for the
// two days a year the wall clock jumps are defined here, once:
// - spring forward: a time in the gap runs at the first valid minute after it, on the same day,
//   for a fixed-time expression (`30 2 * * *`); an interval expression (`0 * * * *`) has no
//   tick in the gap (croner's rules, after Vixie cron);
// - fall back: the repeated hour is a real hour. An expression that fires by the hour (its hour
//   field `*` or `*/n`, or `@hourly`) fires in both passes, each tick its own instant: an hourly
//   schedule makes 25 ticks on the 25-hour day (and 23 on the 23-hour one). An expression with
//   fixed hours (`30 2 * * *`, `0 1-5 * * *`) fires a repeated wall-clock time once, at its
//   first occurrence, so a daily job never runs twice. (Vixie cron's rule, which croner
//   follows; checked here as well, so the rule does not depend on croner's version.)
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
  const everyHour = firesByTheHour(expression);
  const next = (after: Date): Date | undefined => {
    let from = after;
    // A fixed-hour expression skips a repeated wall-clock time; the next tick is a few on.
    for (let guard = 0; guard < 10_000; guard++) {
      const candidate = cron.nextRun(from);
      if (candidate === null) return undefined;
      if (everyHour || !isRepeatedWallTime(candidate, timezone)) return candidate;
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

/**
 * Whether `expression` fires by the hour (hour field `*` or `*\/n`, or `@hourly`): its ticks
 * follow real hours, so a repeated hour has its own. Six fields start with seconds.
 */
export function firesByTheHour(expression: string): boolean {
  const text = expression.trim();
  if (text.startsWith("@")) return text.toLowerCase() === "@hourly";
  const fields = text.split(/\s+/);
  return (fields[fields.length === 6 ? 2 : 1] ?? "").startsWith("*");
}

/** Whether the wall-clock time of `instant` in `timezone` already occurred an hour or so before. */
export function isRepeatedWallTime(instant: Date, timezone: string): boolean {
  const local = Temporal.Instant.fromEpochMilliseconds(instant.getTime())
    .toZonedDateTimeISO(timezone).toPlainDateTime();
  const first = local.toZonedDateTime(timezone, { disambiguation: "earlier" });
  return first.epochMilliseconds < instant.getTime();
}
