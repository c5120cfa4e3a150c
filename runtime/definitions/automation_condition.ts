// When the daemon materializes an asset on its own, declared on the asset (`automation:`) or for
// a selection of assets in schedules/: eager() on new upstream data, onCron() on a clock,
// missing() when a partition was never materialized. Readonly data, validated when built; the
// daemon evaluates them (runtime/automation/condition_evaluation.ts).
import { type CronSchedule, cronSchedule } from "./cron_schedule.ts";
import { DefinitionError } from "../errors.ts";

interface ConditionOptions {
  /** Tags of the run requests it makes (tag limits apply to them, e.g. `warehouse: "1"`). */
  readonly tags?: Readonly<Record<string, string>>;
}

export type AutomationCondition =
  /**
   * Materialize a partition when an upstream has a new data version (or a source new data),
   * or when it was never materialized and an upstream has data, and no upstream is running.
   */
  | { readonly kind: "eager"; readonly tags: Readonly<Record<string, string>> }
  /** Materialize the newest partition at each tick of the cron expression, if it is not fresh. */
  | {
    readonly kind: "on_cron";
    readonly cron: CronSchedule;
    readonly tags: Readonly<Record<string, string>>;
  }
  /** Materialize partitions never materialized, once an upstream has data for them. */
  | { readonly kind: "missing"; readonly tags: Readonly<Record<string, string>> };

export function eager(options: ConditionOptions = {}): AutomationCondition {
  return Object.freeze({ kind: "eager", tags: validTags(options.tags, "eager()") });
}

export function onCron(
  expression: string,
  timezone = "UTC",
  options: ConditionOptions = {},
): AutomationCondition {
  const subject = `onCron('${expression}')`;
  return Object.freeze({
    kind: "on_cron",
    cron: cronSchedule(expression, timezone, subject),
    tags: validTags(options.tags, subject),
  });
}

export function missing(options: ConditionOptions = {}): AutomationCondition {
  return Object.freeze({ kind: "missing", tags: validTags(options.tags, "missing()") });
}

/** `eager`, `on cron 0 2 * * * (UTC)`, `missing`: how `schedules` and the UI show it. */
export function describeCondition(condition: AutomationCondition): string {
  switch (condition.kind) {
    case "eager":
      return "eager";
    case "on_cron":
      return `on cron ${condition.cron.describe()}`;
    case "missing":
      return "missing";
  }
}

const TAG_KEY = /^[a-z][a-z0-9_.-]*$/i;

/** Run request tags: keys like `warehouse` or `pool.gpu`, string values. */
export function validTags(
  tags: Readonly<Record<string, string>> | undefined,
  subject: string,
): Readonly<Record<string, string>> {
  for (const [key, value] of Object.entries(tags ?? {})) {
    if (!TAG_KEY.test(key) || typeof value !== "string") {
      throw new DefinitionError(
        `${subject} has tag ${JSON.stringify(key)}: expected a key of letters, digits, '_', '.' ` +
          "or '-' starting with a letter, and a string value",
      );
    }
  }
  return Object.freeze({ ...tags });
}
