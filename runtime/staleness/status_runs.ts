// Partition statuses as a person reads them: newest first, and neighbouring partitions with the
// same status and reasons collapsed into one range ("2026-01-01..2026-11-27  waiting  no data in
// landing.orders (331 days)"). The CLI and the UI render ranges with these.
import { isoDateFromEpochDay, parseIsoDate } from "../partitions/calendar.ts";
import type { PartitionsDefinition } from "../partitions/definition.ts";
import { displayPartition, type PartitionKey } from "../partitions/partition_key.ts";
import { describeStatusAt, type PartitionStatus, type Status } from "./status.ts";

/** Neighbouring partitions that share a status and its reasons. */
export interface StatusRun {
  /** The newest partition of the run (runs are listed newest first). */
  readonly newest: PartitionKey;
  readonly oldest: PartitionKey;
  readonly count: number;
  readonly status: Status;
  /** The reasons, as describeStatusAt gives them for any one partition of the run. */
  readonly reasons: string;
}

/**
 * The runs of `partitions` (given oldest first, as a partitions definition lists them), newest
 * first. With `expand`, every partition is a run of its own.
 */
export function statusRuns(
  partitions: ReadonlyMap<PartitionKey, PartitionStatus>,
  options: { readonly expand?: boolean } = {},
): StatusRun[] {
  const keys = [...partitions.keys()].reverse();
  const runs: StatusRun[] = [];
  let open: { newest: PartitionKey; oldest: PartitionKey; count: number } | undefined;
  let openStatus: Status = "fresh";
  let openReasons = "";
  const close = () => {
    if (open) runs.push({ ...open, status: openStatus, reasons: openReasons });
  };
  for (const key of keys) {
    const status = partitions.get(key)!;
    const reasons = describeStatusAt(status, key);
    if (
      open && !options.expand && status.status === openStatus && reasons === openReasons
    ) {
      open.oldest = key;
      open.count++;
      continue;
    }
    close();
    open = { newest: key, oldest: key, count: 1 };
    openStatus = status.status;
    openReasons = reasons;
  }
  close();
  return runs;
}

/** `2026-01-01..2026-11-27`, or the one partition. */
export function describeRunRange(run: StatusRun): string {
  return run.count === 1
    ? displayPartition(run.newest)
    : `${displayPartition(run.oldest)}..${displayPartition(run.newest)}`;
}

/** The run's reasons with its size when it spans several partitions: "... (331 days)". */
export function describeRunReasons(run: StatusRun, partitions: PartitionsDefinition): string {
  if (run.count === 1) return run.reasons;
  const size = `${run.count} ${partitions.kind === "daily" ? "days" : "partitions"}`;
  return run.reasons === "" ? `(${size})` : `${run.reasons} (${size})`;
}

/**
 * Distinct partitions as spans, oldest first: consecutive days join into one range
 * ("2026-01-01..2026-11-29, 2026-12-01"); other keys are listed as they are. At most `max`
 * spans are named, then "… N more".
 */
export function describePartitionSpans(keys: Iterable<PartitionKey>, max = 4): string {
  const days: number[] = [];
  const others = new Set<string>();
  for (const key of new Set(keys)) {
    const day = parseIsoDate(key);
    if (day === undefined) others.add(displayPartition(key));
    else days.push(day);
  }
  days.sort((a, b) => a - b);
  const spans: string[] = [];
  for (let i = 0; i < days.length;) {
    let j = i;
    while (j + 1 < days.length && days[j + 1] === days[j] + 1) j++;
    spans.push(
      i === j
        ? isoDateFromEpochDay(days[i])
        : `${isoDateFromEpochDay(days[i])}..${isoDateFromEpochDay(days[j])}`,
    );
    i = j + 1;
  }
  spans.push(...[...others].sort());
  return spans.length <= max
    ? spans.join(", ")
    : `${spans.slice(0, max).join(", ")}, … ${spans.length - max} more`;
}
