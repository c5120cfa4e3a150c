// How a downstream partition maps to the upstream partitions it reads, and back: same day,
// all partitions, the latest one, a window of N days ending on the same day (or N days before),
// or an alias of the upstream.
import { DefinitionError } from "../errors.ts";
import { DailyPartitions } from "./daily_partitions.ts";
import type { PartitionsDefinition } from "./definition.ts";
import type { PartitionKey } from "./partition_key.ts";
import { aliasPartition, UNPARTITIONED } from "./partition_key.ts";

export interface PartitionMapping {
  readonly name: string;
  /**
   * Which mapped upstream partitions must hold data before the downstream partition can run:
   * any one of them (the default), or the newest, as a rolling window needs its own day.
   */
  readonly requires?: "any" | "newest";
  /** Set when the mapping reads an alias of the upstream rather than its partitions. */
  readonly alias?: string;
  /** The upstream partitions `downstreamKey` reads. */
  upstreamKeys(
    downstreamKey: PartitionKey,
    downstream: PartitionsDefinition,
    upstream: PartitionsDefinition,
    now: Date,
  ): readonly PartitionKey[];
  /** The downstream partitions that read `upstreamKey`. */
  downstreamKeys(
    upstreamKey: PartitionKey,
    upstream: PartitionsDefinition,
    downstream: PartitionsDefinition,
    now: Date,
  ): readonly PartitionKey[];
}

const NONE: readonly PartitionKey[] = [];
const ONLY_UNPARTITIONED: readonly PartitionKey[] = [UNPARTITIONED];

/** The same key upstream (same day, same static name). */
export function identity(): PartitionMapping {
  return {
    name: "identity",
    upstreamKeys(key, _downstream, upstream, now) {
      if (upstream.kind === "unpartitioned") return ONLY_UNPARTITIONED;
      return upstream.contains(key, now) ? [key] : NONE;
    },
    downstreamKeys(key, upstream, downstream, now) {
      // The inverse of upstreamKeys: every downstream partition reads an unpartitioned upstream.
      if (upstream.kind === "unpartitioned") return downstream.keys(now);
      return downstream.contains(key, now) ? [key] : NONE;
    },
  };
}

/** Every upstream partition (an unpartitioned summary over a partitioned table). */
export function allPartitions(): PartitionMapping {
  return {
    name: "all",
    upstreamKeys: (_key, _downstream, upstream, now) => upstream.keys(now),
    downstreamKeys: (_key, _upstream, downstream, now) => downstream.keys(now),
  };
}

/** Only the newest upstream partition that exists now. */
export function latestPartition(): PartitionMapping {
  return {
    name: "latest",
    upstreamKeys(_key, _downstream, upstream, now) {
      const keys = upstream.keys(now);
      return keys.length === 0 ? NONE : [keys[keys.length - 1]];
    },
    downstreamKeys(key, upstream, downstream, now) {
      const keys = upstream.keys(now);
      return keys[keys.length - 1] === key ? downstream.keys(now) : NONE;
    },
  };
}

/** Options of a window mapping. */
export interface WindowOptions {
  /**
   * How many days before the downstream day the window ends: 0 (the default) ends on the same
   * day; 1 ends the day before, as a model of day D trains on D-30..D-2 and validates on D-1.
   */
  readonly lagDays?: number;
}

/**
 * The `days` upstream days ending on the downstream day (a 30-day rolling window), or
 * `lagDays` before it.
 */
export function windowDays(days: number, options: WindowOptions = {}): PartitionMapping {
  const lag = options.lagDays ?? 0;
  if (!Number.isInteger(days) || days < 1) {
    throw new DefinitionError(
      `Cannot map a window of ${days} days: expected a positive whole number of days`,
    );
  }
  if (!Number.isInteger(lag) || lag < 0) {
    throw new DefinitionError(
      `Cannot map a window ending ${lag} days before its day: expected 'lagDays' to be a whole number >= 0`,
    );
  }
  return {
    name: lag === 0 ? `window(${days}d)` : `window(${days}d, ${lag}d before)`,
    // A 30-day rolling value for a day whose own upstream data has not landed would be
    // yesterday's value under today's name: it waits for its day (or the window's last day).
    requires: "newest",
    upstreamKeys(key, downstream, upstream, now) {
      const [down, up] = requireDaily(downstream, upstream, this.name);
      const day = down.dayOf(key);
      if (day === undefined) return NONE;
      const end = day - lag;
      const first = Math.max(end - days + 1, up.startDay);
      const last = Math.min(end, up.lastDay(now));
      const keys: PartitionKey[] = [];
      for (let d = first; d <= last; d++) keys.push(up.keyOf(d));
      return keys;
    },
    downstreamKeys(key, upstream, downstream, now) {
      const [down, up] = requireDaily(downstream, upstream, this.name);
      const day = up.dayOf(key);
      if (day === undefined) return NONE;
      const first = Math.max(day + lag, down.startDay);
      const last = Math.min(day + lag + days - 1, down.lastDay(now));
      const keys: PartitionKey[] = [];
      for (let d = first; d <= last; d++) keys.push(down.keyOf(d));
      return keys;
    },
  };
}

/** The mapping used when a dependency names none. */
export function defaultMapping(
  downstream: PartitionsDefinition,
  upstream: PartitionsDefinition,
): PartitionMapping {
  if (upstream.kind === "unpartitioned" || downstream.kind === upstream.kind) return identity();
  return allPartitions();
}

function requireDaily(
  downstream: PartitionsDefinition,
  upstream: PartitionsDefinition,
  name: string,
): [DailyPartitions, DailyPartitions] {
  if (!(downstream instanceof DailyPartitions) || !(upstream instanceof DailyPartitions)) {
    throw new DefinitionError(
      `Cannot use the ${name} mapping between ${downstream.describe()} and ${upstream.describe()}: both must be daily`,
    );
  }
  return [downstream, upstream];
}

/**
 * The materialization an alias of the upstream points at (`aliased("champion")`), whatever the
 * downstream partition: every downstream partition reads it, and moving the alias makes them
 * all stale.
 */
export function aliased(alias: string): PartitionMapping {
  if (!/^[a-z][a-z0-9_]*$/.test(alias)) {
    throw new DefinitionError(
      `Cannot map to alias '${alias}': expected a lowercase name like 'champion'`,
    );
  }
  const key = aliasPartition(alias);
  return {
    name: `alias:${alias}`,
    alias,
    upstreamKeys: () => [key],
    downstreamKeys: (upstreamKey, _upstream, downstream, now) =>
      upstreamKey === key ? downstream.keys(now) : NONE,
  };
}
