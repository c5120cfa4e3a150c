// A schedule: a cron expression in a time zone that asks for a run of a selection at each tick.
// Readonly data made by defineSchedule() and validated once; the daemon evaluates its ticks
// (schedule_ticks.ts) and records each under (schedule, tick time), so it runs once.
import { type CronSchedule, cronSchedule } from "../definitions/cron_schedule.ts";
import { validTags } from "../definitions/automation_condition.ts";
import { DefinitionError } from "../errors.ts";
import type { RunRequestKind } from "../store/metadata_store.ts";

/**
 * What to do with ticks missed while no daemon ran (or the schedule lagged): `all` runs each
 * of the latest `max` of them in order, `latest` runs only the newest and records the others
 * as superseded.
 */
export interface CatchUpPolicy {
  readonly policy: "latest" | "all";
  readonly max: number;
}

export interface ScheduleSpec {
  /** Unique among schedules and sensors: letters, digits and `_`, like `fraud_model_daily`. */
  readonly name: string;
  /** Five fields, `minute hour day-of-month month day-of-week`, e.g. `0 2 * * *`. */
  readonly cron: string;
  /** IANA zone the cron expression is read in; UTC by default. */
  readonly timezone?: string;
  /** What a tick runs: `materialize` (default) or `vacuum`. */
  readonly kind?: RunRequestKind;
  /** Selection text, as `materialize` takes it (ignored by vacuum). */
  readonly selection?: string;
  /** The partitions a tick runs (`2026-11-01` or `a..b`); absent or undefined: every one. */
  readonly partitions?: (tickTime: Date) => string | undefined;
  readonly force?: boolean;
  readonly tags?: Readonly<Record<string, string>>;
  /** Default `{ policy: "all", max: 5 }`. */
  readonly catchUp?: CatchUpPolicy;
  readonly description?: string;
  /** Whether it is on until someone turns it off (`schedules off NAME`); on by default. */
  readonly defaultState?: "on" | "off";
}

export interface ScheduleDefinition {
  readonly name: string;
  readonly cron: CronSchedule;
  readonly kind: RunRequestKind;
  readonly selection: string;
  readonly partitions: ((tickTime: Date) => string | undefined) | undefined;
  readonly force: boolean;
  readonly tags: Readonly<Record<string, string>>;
  readonly catchUp: CatchUpPolicy;
  readonly description: string;
  readonly defaultState: "on" | "off";
}

export const DEFAULT_CATCH_UP: CatchUpPolicy = Object.freeze({ policy: "all", max: 5 });

const NAME = /^[a-z][a-z0-9_]*$/;

export function defineSchedule(spec: ScheduleSpec): ScheduleDefinition {
  const name = automationName(spec.name, "schedule");
  const subject = `Schedule '${name}'`;
  const catchUp = spec.catchUp ?? DEFAULT_CATCH_UP;
  if (catchUp.policy !== "latest" && catchUp.policy !== "all") {
    throw new DefinitionError(
      `${subject} has catch-up policy '${catchUp.policy}': expected 'latest' or 'all'`,
    );
  }
  if (!Number.isInteger(catchUp.max) || catchUp.max < 1) {
    throw new DefinitionError(
      `${subject} has catch-up max ${catchUp.max}: expected a whole number of at least 1`,
    );
  }
  const kind = spec.kind ?? "materialize";
  if (kind !== "materialize" && kind !== "vacuum") {
    throw new DefinitionError(`${subject} has kind '${kind}': expected 'materialize' or 'vacuum'`);
  }
  return Object.freeze({
    name,
    cron: cronSchedule(spec.cron, spec.timezone ?? "UTC", subject),
    kind,
    selection: spec.selection ?? "",
    partitions: spec.partitions,
    force: spec.force ?? false,
    tags: validTags(spec.tags, subject),
    catchUp: Object.freeze({ ...catchUp }),
    description: spec.description ?? "",
    defaultState: spec.defaultState ?? "on",
  });
}

/** Checks a schedule or sensor name; it keys its state and run keys. */
export function automationName(name: string, what: "schedule" | "sensor"): string {
  if (!NAME.test(name)) {
    throw new DefinitionError(
      `Cannot define ${what} '${name}': a name is lowercase letters, digits and '_', starting ` +
        "with a letter, like 'fraud_model_daily'",
    );
  }
  return name;
}
