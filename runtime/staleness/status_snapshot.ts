// One asset's statuses as the store persists them (status_snapshot_store.ts): its partitions'
// statuses in the order the partitions exist, run-length coded over a dictionary of distinct
// statuses, and the fingerprint of what they depend on besides partition states and leases.
import type { AssetKey } from "../definitions/asset_key.ts";
import type { AssetGraph } from "../graph/asset_graph.ts";
import type { PartitionsDefinition } from "../partitions/definition.ts";
import type { PartitionKey } from "../partitions/partition_key.ts";
import { emptyCounts, rollupStatus } from "./rollup.ts";
import { RunLengthMap } from "./run_length_map.ts";
import { type Cause, FRESH, type PartitionStatus } from "./status.ts";
import type { AssetStatusSummary } from "./status_resolver.ts";

/** Bumped whenever the encoding or what a status depends on changes: older snapshots miss. */
const FORMAT = "status-snapshot-1";

/**
 * What `key`'s statuses depend on besides the states and leases of it and its upstreams: its
 * kind and code version, the partitions that exist at `now` (so a new day misses), and per
 * upstream its kind, mapping and partitions. The clock matters otherwise only through freshness
 * policies, which the reader recomputes every time.
 */
export function statusFingerprint(graph: AssetGraph, key: AssetKey, now: Date): string {
  const asset = graph.get(key);
  const parts = [
    FORMAT,
    key,
    asset.kind,
    asset.kind === "asset" ? asset.codeVersion : "",
    structure(asset.partitions, now),
  ];
  for (const edge of graph.upstreamEdges(key)) {
    const upstream = graph.get(edge.upstream);
    parts.push(
      edge.upstream,
      upstream.kind,
      edge.mapping.name,
      edge.mapping.requires ?? "any",
      edge.mapping.alias ?? "",
      structure(upstream.partitions, now),
    );
  }
  // Kept as text, not hashed: comparing it is cheaper than a cryptographic hash of it.
  return JSON.stringify(parts);
}

/** The partitions that exist at `now`, as far as mappings can tell (built-in ones only grow). */
function structure(partitions: PartitionsDefinition, now: Date): string {
  const keys = partitions.keys(now);
  return `${partitions.describe()}|${keys.length}|${keys[0] ?? ""}|${keys.at(-1) ?? ""}`;
}

interface Encoded {
  /** The distinct statuses. */
  readonly d: readonly PartitionStatus[];
  /** Runs: a count, then the index in `d` of the status of that many partitions in key order. */
  readonly r: readonly number[];
}

/** The statuses of `summary`'s partitions, `keys` (the partitions that exist) in order. */
export function encodeStatuses(
  keys: readonly PartitionKey[],
  summary: AssetStatusSummary,
): string {
  const dictionary: PartitionStatus[] = [];
  const indexOf = new Map<string, number>();
  const runs: number[] = [];
  let last = -1;
  for (const key of keys) {
    const status = summary.partitions.get(key) ?? FRESH;
    const text = status === FRESH ? "" : JSON.stringify(status);
    let index = indexOf.get(text);
    if (index === undefined) {
      indexOf.set(text, index = dictionary.length);
      dictionary.push(status);
    }
    if (index === last) runs[runs.length - 2]++;
    else runs.push(1, index);
    last = index;
  }
  return JSON.stringify({ d: dictionary, r: runs } satisfies Encoded);
}

/**
 * The summary encoded by encodeStatuses() over the same `keys`; undefined when it does not
 * cover exactly that many partitions.
 */
export function decodeStatuses(
  key: AssetKey,
  keys: readonly PartitionKey[],
  text: string,
): AssetStatusSummary | undefined {
  const encoded = JSON.parse(text) as Encoded;
  const statuses = encoded.d.map(revived);
  const counts = emptyCounts();
  const ends: number[] = [];
  const values: PartitionStatus[] = [];
  let at = 0;
  for (let i = 0; i < encoded.r.length; i += 2) {
    const status = statuses[encoded.r[i + 1]];
    at += encoded.r[i];
    counts[status.status] += encoded.r[i];
    ends.push(at);
    values.push(status);
  }
  if (at !== keys.length) return undefined;
  const partitions = new RunLengthMap(keys, ends, values);
  return { key, partitions, counts, status: rollupStatus(counts) };
}

/** A status as computed: FRESH shared, and a waiting cause's source present even when unset. */
function revived(status: PartitionStatus): PartitionStatus {
  if (status.status === "fresh" && status.causes.length === 0) return FRESH;
  return {
    status: status.status,
    causes: status.causes.map((cause): Cause =>
      cause.kind === "waiting" ? { ...cause, source: cause.source } : cause
    ),
  };
}
