// The UI's URLs in one place, so pages and tests build the same links. An unpartitioned asset's
// one partition (the empty key) is `-` in a URL, as the CLI shows it.

export const UNPARTITIONED_SEGMENT = "-";

export function assetPath(key: string): string {
  return `/assets/${encodeURIComponent(key)}`;
}

export function partitionPath(asset: string, partition: string): string {
  const segment = partition === "" ? UNPARTITIONED_SEGMENT : encodeURIComponent(partition);
  return `${assetPath(asset)}/partitions/${segment}`;
}

/** The partition key a URL segment names (already percent-decoded by the router). */
export function partitionFromSegment(segment: string): string {
  return segment === UNPARTITIONED_SEGMENT ? "" : segment;
}

export function runPath(id: string): string {
  return `/runs/${encodeURIComponent(id)}`;
}

/** How a partition key reads on a page: the unpartitioned key shows as a dash. */
export function displayPartition(partition: string): string {
  return partition === "" ? UNPARTITIONED_SEGMENT : partition;
}
