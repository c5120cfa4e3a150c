// Daily time-window partitions: one key per civil date (`YYYY-MM-DD`) from a start date, in a
// time zone. Keys are computed on epoch days so 100,000 partitions stay cheap.
import { DefinitionError, RequestError } from "../errors.ts";
import { isoDateFromEpochDay, parseIsoDate } from "./calendar.ts";
import type { PartitionsDefinition, TimeWindow } from "./definition.ts";
import type { PartitionKey } from "./partition_key.ts";

export interface DailyPartitionsOptions {
  /** First day, `YYYY-MM-DD`. */
  readonly start: string;
  /** Last day, inclusive; when absent, the current day in `timezone`. */
  readonly end?: string;
  /** IANA time zone the days are cut in; UTC by default. */
  readonly timezone?: string;
}

export class DailyPartitions implements PartitionsDefinition {
  readonly kind = "daily";
  readonly timezone: string;
  readonly startDay: number;
  readonly endDay: number | undefined;
  #today: { at: number; day: number } | undefined;
  #cache: { today: number; keys: readonly PartitionKey[]; set?: ReadonlySet<string> } | undefined;

  constructor(options: DailyPartitionsOptions) {
    const startDay = parseIsoDate(options.start);
    if (startDay === undefined) {
      throw new DefinitionError(
        `Cannot use '${options.start}' as a daily partition start: expected a date YYYY-MM-DD`,
      );
    }
    this.startDay = startDay;
    this.timezone = options.timezone ?? "UTC";
    try {
      Temporal.Now.plainDateISO(this.timezone);
    } catch {
      throw new DefinitionError(
        `Cannot use '${this.timezone}' as a time zone: expected an IANA name like 'Europe/Paris'`,
      );
    }
    if (options.end !== undefined) {
      const endDay = parseIsoDate(options.end);
      if (endDay === undefined || endDay < startDay) {
        throw new DefinitionError(
          `Cannot use '${options.end}' as a daily partition end: expected a date YYYY-MM-DD on or after ${options.start}`,
        );
      }
      this.endDay = endDay;
    }
  }

  /** The epoch day of `key`, or undefined when it is not a valid date. */
  dayOf(key: PartitionKey): number | undefined {
    return parseIsoDate(key);
  }

  keyOf(epochDay: number): PartitionKey {
    return isoDateFromEpochDay(epochDay) as PartitionKey;
  }

  /** The last day that exists at `now`. */
  lastDay(now: Date): number {
    if (this.endDay !== undefined) return this.endDay;
    // Asked once per partition during status resolution, always with the same `now`.
    const at = now.getTime();
    if (this.#today?.at === at) return this.#today.day;
    const today = Temporal.Instant.fromEpochMilliseconds(at)
      .toZonedDateTimeISO(this.timezone).toPlainDate().toString();
    const day = parseIsoDate(today)!;
    this.#today = { at, day };
    return day;
  }

  keys(now: Date): readonly PartitionKey[] {
    const last = this.lastDay(now);
    if (this.#cache?.today === last) return this.#cache.keys;
    const keys: PartitionKey[] = [];
    for (let day = this.startDay; day <= last; day++) keys.push(this.keyOf(day));
    this.#cache = { today: last, keys };
    return keys;
  }

  contains(key: PartitionKey, now: Date): boolean {
    // Status resolution asks this once per partition and edge: answer from a set of the keys.
    const cache = this.#cache;
    if (cache !== undefined && cache.today === this.lastDay(now)) {
      const set = cache.set ?? (cache.set = new Set(this.keys(now)));
      return set.has(key);
    }
    const day = this.dayOf(key);
    return day !== undefined && day >= this.startDay && day <= this.lastDay(now);
  }

  range(from: PartitionKey, to: PartitionKey, now: Date): readonly PartitionKey[] {
    const first = this.#requireDay(from, now);
    const last = this.#requireDay(to, now);
    if (last < first) {
      throw new RequestError(
        `Cannot select partitions ${from}..${to}: the range ends before it starts`,
      );
    }
    const keys: PartitionKey[] = [];
    for (let day = first; day <= last; day++) keys.push(this.keyOf(day));
    return keys;
  }

  window(key: PartitionKey): TimeWindow | undefined {
    if (this.dayOf(key) === undefined) return undefined;
    const date = Temporal.PlainDate.from(key);
    const start = date.toZonedDateTime({ timeZone: this.timezone });
    const end = date.add({ days: 1 }).toZonedDateTime({ timeZone: this.timezone });
    return { start: new Date(start.epochMilliseconds), end: new Date(end.epochMilliseconds) };
  }

  describe(): string {
    const end = this.endDay === undefined ? "today" : isoDateFromEpochDay(this.endDay);
    return `daily from ${isoDateFromEpochDay(this.startDay)} to ${end} (${this.timezone})`;
  }

  #requireDay(key: PartitionKey, now: Date): number {
    const day = this.dayOf(key);
    if (day === undefined) {
      throw new RequestError(`Cannot select partition '${key}': expected a date YYYY-MM-DD`);
    }
    if (day < this.startDay || day > this.lastDay(now)) {
      throw new RequestError(
        `Cannot select partition '${key}': it is outside the asset's partitions, ${this.describe()}`,
      );
    }
    return day;
  }
}

/** Daily partitions from `start` (see DailyPartitionsOptions). */
export function daily(options: DailyPartitionsOptions): DailyPartitions {
  return new DailyPartitions(options);
}
