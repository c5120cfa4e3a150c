// Freshness: whether a partition is overdue under its asset's policy. Separate from staleness:
// a partition can be fresh by its versions and still overdue by the clock.
import type { Cause } from "./status.ts";
import type { PartitionsDefinition } from "../partitions/definition.ts";
import type { PartitionKey } from "../partitions/partition_key.ts";
import type { FreshnessPolicy } from "../definitions/policies.ts";
import { parseIsoDate } from "../partitions/calendar.ts";

const DAY_MS = 86_400_000;
// No time zone is more than 14 hours from UTC, so a day's window ends by this much after
// midnight UTC of the next day at the latest.
const MAX_ZONE_OFFSET_MS = 14 * 3_600_000;

/**
 * The overdue cause of a materialized partition, or undefined when it is on time. An open
 * (current) window must have been materialized within the allowed lag; a closed one must have
 * been materialized after it closed, within the allowed lag of its close.
 */
export function overdueCause(
  policy: FreshnessPolicy,
  partitions: PartitionsDefinition,
  partition: PartitionKey,
  materializedAt: Date,
  now: Date,
): Cause | undefined {
  const allowedMs = policy.maximumLagMinutes * 60_000;
  const at = materializedAt.getTime();
  const nowMs = now.getTime();
  if (partitions.kind === "daily") {
    const day = parseIsoDate(partition);
    // Materialized safely after any zone's end of the window: complete, and never overdue.
    if (day !== undefined && at >= (day + 1) * DAY_MS + MAX_ZONE_OFFSET_MS) return undefined;
    const window = partitions.window(partition);
    if (window && window.end.getTime() <= nowMs) {
      const end = window.end.getTime();
      if (at >= end || nowMs - end <= allowedMs) return undefined;
      return {
        kind: "overdue",
        lagMinutes: (nowMs - end) / 60_000,
        allowedMinutes: policy.maximumLagMinutes,
        closed: true,
      };
    }
  }
  if (nowMs - at <= allowedMs) return undefined;
  return {
    kind: "overdue",
    lagMinutes: (nowMs - at) / 60_000,
    allowedMinutes: policy.maximumLagMinutes,
    closed: false,
  };
}
