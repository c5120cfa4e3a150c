// Partition keys: `2026-11-01` for a day, a static name, or the empty key of an unpartitioned
// asset. A distinct type so partitions are never confused with asset keys.

export type PartitionKey = string & { readonly __brand: "PartitionKey" };

/** The single partition of an unpartitioned asset. */
export const UNPARTITIONED = "" as PartitionKey;

export function partitionKey(value: string): PartitionKey {
  return value as PartitionKey;
}

/** How a partition is shown to people: the unpartitioned key shows as a dash. */
export function displayPartition(key: PartitionKey): string {
  return key === UNPARTITIONED ? "-" : key;
}

/**
 * The upstream partition key under which readers see an alias of an asset: `@champion`. A
 * materialization that reads it records the aliased version, so moving the alias makes it stale.
 */
export function aliasPartition(alias: string): PartitionKey {
  return `@${alias}` as PartitionKey;
}

/** The alias an upstream partition key names, or undefined for a real partition. */
export function aliasOfPartition(partition: PartitionKey): string | undefined {
  return partition.startsWith("@") ? partition.slice(1) : undefined;
}
