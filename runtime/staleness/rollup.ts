// An asset's status over its partitions: the most urgent status among the partitions that can
// run, so days that have not landed neither hide a stale day nor keep a caught-up asset from
// being fresh; with the counts beside it, "1 fresh, 334 waiting for data".
import { type Status, STATUS_PRECEDENCE } from "./status.ts";

export type StatusCounts = Readonly<Record<Status, number>>;

/** Counts with every status at zero, in precedence order. */
export function emptyCounts(): Record<Status, number> {
  return Object.fromEntries(STATUS_PRECEDENCE.map((status) => [status, 0])) as Record<
    Status,
    number
  >;
}

/**
 * The status of an asset: its most urgent partition's, leaving out waiting partitions unless
 * every partition waits. An asset with no partitions yet is fresh: nothing is owed.
 */
export function rollupStatus(counts: StatusCounts): Status {
  for (const status of STATUS_PRECEDENCE) {
    if (status !== "waiting" && counts[status] > 0) return status;
  }
  return counts.waiting > 0 ? "waiting" : "fresh";
}

/**
 * "1 fresh, 334 waiting for data": each status that occurs, those that can run first in
 * precedence order, then the waiting ones.
 */
export function describeCounts(counts: StatusCounts): string {
  const runnable = STATUS_PRECEDENCE.filter((status) => status !== "waiting" && counts[status] > 0)
    .map((status) => `${counts[status].toLocaleString("en-US")} ${status}`);
  if (counts.waiting > 0) {
    runnable.push(`${counts.waiting.toLocaleString("en-US")} waiting for data`);
  }
  return runnable.join(", ");
}
