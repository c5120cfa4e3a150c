// Statuses of asset partitions and their causes, as closed unions. Every status carries the
// reasons behind it, rendered the same way in the CLI, the API and the UI.
import type { AssetKey } from "../definitions/asset_key.ts";
import type { PartitionKey } from "../partitions/partition_key.ts";
import { aliasOfPartition, displayPartition } from "../partitions/partition_key.ts";

/**
 * `waiting`: the partition cannot run yet because its upstreams hold no data for it (a day that
 * has not landed). It is not `never`: nothing is missing that a run could make.
 */
export type Status = "running" | "failed" | "never" | "waiting" | "stale" | "overdue" | "fresh";

/**
 * Most urgent first: the status of a partition is the first that applies. (`waiting` can only
 * meet running, failed and upstream-failed causes: it applies to partitions never materialized.)
 */
export const STATUS_PRECEDENCE: readonly Status[] = [
  "running",
  "failed",
  "never",
  "waiting",
  "stale",
  "overdue",
  "fresh",
];

export type Cause =
  | { readonly kind: "running"; readonly runId: string; readonly owner: string }
  | { readonly kind: "failed"; readonly runId: string; readonly error: string }
  | { readonly kind: "abandoned"; readonly runId: string }
  | { readonly kind: "never_materialized" }
  /** A source partition nothing was observed for. */
  | { readonly kind: "no_data" }
  /**
   * No upstream holds data for the partition, so it cannot run: `upstream` is the first one
   * read, `partition` its (first) partition, `partitionsRead` how many of its partitions were
   * needed (several for a reader of every day), and `source` the source where the data is
   * missing (when the chain leads to one).
   */
  | {
    readonly kind: "waiting";
    readonly upstream: AssetKey;
    readonly partition: PartitionKey;
    readonly partitionsRead: number;
    readonly source: AssetKey | undefined;
  }
  | { readonly kind: "code_changed" }
  | { readonly kind: "upstream_changed"; readonly upstream: AssetKey }
  | { readonly kind: "alias_moved"; readonly upstream: AssetKey; readonly alias: string }
  | { readonly kind: "source_new_data"; readonly source: AssetKey }
  | {
    readonly kind: "upstream_failed";
    readonly upstream: AssetKey;
    readonly partition: PartitionKey;
  }
  | {
    readonly kind: "overdue";
    readonly lagMinutes: number;
    readonly allowedMinutes: number;
    readonly closed: boolean;
  };

/** Why a partition waits: no upstream has data for it. */
export type WaitingCause = Extract<Cause, { readonly kind: "waiting" }>;

export interface PartitionStatus {
  readonly status: Status;
  readonly causes: readonly Cause[];
}

export const FRESH: PartitionStatus = Object.freeze({ status: "fresh", causes: Object.freeze([]) });

/** The status that a set of causes amounts to. */
export function statusOf(causes: readonly Cause[]): Status {
  let best = STATUS_PRECEDENCE.length - 1;
  for (const cause of causes) {
    best = Math.min(best, STATUS_PRECEDENCE.indexOf(statusOfCause(cause)));
  }
  return STATUS_PRECEDENCE[best];
}

function statusOfCause(cause: Cause): Status {
  switch (cause.kind) {
    case "running":
      return "running";
    case "failed":
    case "abandoned":
      return "failed";
    case "never_materialized":
      return "never";
    case "no_data":
    case "waiting":
      return "waiting";
    case "overdue":
      return "overdue";
    default:
      return "stale";
  }
}

/** One line a person reads: "upstream bronze.orders has a new data version". */
export function describeCause(cause: Cause): string {
  return describeCauseAt(cause, undefined);
}

/**
 * The line of a cause of `partition`'s status, for a reader who already sees the partition (a
 * row of a partition table, a count over days): a waiting cause leaves out its upstream's
 * partition when it is the same, so neighbouring days read alike and collapse.
 */
export function describeCauseAt(cause: Cause, partition: PartitionKey | undefined): string {
  switch (cause.kind) {
    case "running":
      return `being materialized by run ${cause.runId} (${cause.owner})`;
    case "failed":
      return `last materialization failed in run ${cause.runId}: ${cause.error}`;
    case "abandoned":
      return `run ${cause.runId} stopped without finishing (no heartbeat)`;
    case "never_materialized":
      return "never materialized";
    case "no_data":
      return "no data observed";
    case "waiting":
      return describeWaiting(cause, partition);
    case "code_changed":
      return "code version changed";
    case "alias_moved":
      return `alias ${cause.alias} of ${cause.upstream} moved`;
    case "upstream_changed":
      return `upstream ${cause.upstream} has a new data version`;
    case "source_new_data":
      return `source ${cause.source} has new data`;
    case "upstream_failed":
      return `upstream ${cause.upstream} failed (partition ${displayPartition(cause.partition)})`;
    case "overdue":
      return cause.closed
        ? `partition closed ${
          formatMinutes(cause.lagMinutes)
        } ago and was last materialized before it closed; freshness policy allows ${
          formatMinutes(cause.allowedMinutes)
        }`
        : `last materialized ${formatMinutes(cause.lagMinutes)} ago; freshness policy allows ${
          formatMinutes(cause.allowedMinutes)
        }`;
  }
}

/** "no data in landing.orders for 2026-03-04", "upstream x has no data: none in landing.y". */
function describeWaiting(
  cause: WaitingCause,
  partition: PartitionKey | undefined,
): string {
  const day = cause.partitionsRead > 1
    ? ` in any of the ${cause.partitionsRead} partitions read`
    : cause.partition === partition || cause.partition === ""
    ? ""
    : ` for ${displayPartition(cause.partition)}`;
  const alias = aliasOfPartition(cause.partition);
  if (alias !== undefined) return `alias ${alias} of ${cause.upstream} points at nothing yet`;
  if (cause.source === cause.upstream) return `no data in ${cause.source}${day}`;
  const root = cause.source === undefined ? "" : `: none in ${cause.source}`;
  return `upstream ${cause.upstream} has no data${day}${root}`;
}

export function describeStatus(status: PartitionStatus): string {
  return status.causes.map(describeCause).join("; ");
}

/** Every reason of `partition`'s status, as describeCauseAt words them. */
export function describeStatusAt(status: PartitionStatus, partition: PartitionKey): string {
  return status.causes.map((cause) => describeCauseAt(cause, partition)).join("; ");
}

function formatMinutes(minutes: number): string {
  if (minutes < 120) return `${Math.round(minutes)} min`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)} h`;
  return `${Math.round(minutes / 1440)} d`;
}
