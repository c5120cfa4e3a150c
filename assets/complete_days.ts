// Both event sources (landing zone and Kafka) report only whole event days: a day still under
// way is not a partition yet, and shows once it is complete.
import type { PartitionsDefinition } from "../runtime/partitions/definition.ts";
import type { PartitionKey } from "../runtime/partitions/partition_key.ts";
import type { DataVersion } from "../runtime/definitions/version.ts";

export interface CompleteDays {
  readonly observed: Map<PartitionKey, DataVersion>;
  /** Days with data that are not partitions yet. */
  readonly later: number;
}

export function completeDays(
  partitions: PartitionsDefinition,
  versions: Iterable<readonly [string, DataVersion]>,
  now: Date,
): CompleteDays {
  const observed = new Map<PartitionKey, DataVersion>();
  let later = 0;
  for (const [day, version] of versions) {
    if (partitions.contains(day as PartitionKey, now)) observed.set(day as PartitionKey, version);
    else later++;
  }
  return { observed, later };
}
