// Which partition keys an asset has: the small interface every partitioning implements, and the
// trivial one (unpartitioned). Daily and static partitions have files of their own.
import type { PartitionKey } from "./partition_key.ts";
import { UNPARTITIONED } from "./partition_key.ts";
import { RequestError } from "../errors.ts";

export interface TimeWindow {
  readonly start: Date;
  readonly end: Date;
}

export interface PartitionsDefinition {
  readonly kind: "daily" | "static" | "unpartitioned";
  /** Every key that exists at `now`, oldest first. */
  keys(now: Date): readonly PartitionKey[];
  /** Whether `key` names a partition of this definition at `now`. */
  contains(key: PartitionKey, now: Date): boolean;
  /** The keys from `from` to `to`, both inclusive; throws RequestError naming a bad bound. */
  range(from: PartitionKey, to: PartitionKey, now: Date): readonly PartitionKey[];
  /** The time window a key covers, for time-partitioned definitions. */
  window(key: PartitionKey): TimeWindow | undefined;
  describe(): string;
}

class Unpartitioned implements PartitionsDefinition {
  readonly kind = "unpartitioned";
  keys(): readonly PartitionKey[] {
    return [UNPARTITIONED];
  }
  contains(key: PartitionKey): boolean {
    return key === UNPARTITIONED;
  }
  range(): readonly PartitionKey[] {
    throw new RequestError("Cannot select a partition range of an unpartitioned asset");
  }
  window(): undefined {
    return undefined;
  }
  describe(): string {
    return "unpartitioned";
  }
}

/** The partitioning of an asset with one partition. */
export const unpartitioned: PartitionsDefinition = new Unpartitioned();
