// One asset partition named by its asset key and partition key, and the one string key under
// which maps index partitions (pointers, leases, states, step records).
import type { AssetKey } from "./asset_key.ts";
import type { PartitionKey } from "../partitions/partition_key.ts";

export interface PartitionRef {
  readonly assetKey: AssetKey;
  readonly partition: PartitionKey;
}

/** The map key of an asset partition; NUL cannot occur in an asset or partition key. */
export function partitionRefKey(assetKey: AssetKey, partition: PartitionKey): string {
  return `${assetKey}\u0000${partition}`;
}
