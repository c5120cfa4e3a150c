// How statuses read outside the runtime, built once for every reader: `deno task assets` (its
// table and --json) and the UI (its pages and JSON API) show the same words, reasons and shapes.
import type { AnyAsset } from "../definitions/asset.ts";
import type { JsonValue } from "../definitions/context.ts";
import { displayPartition, type PartitionKey } from "../partitions/partition_key.ts";
import type { RecordedCheck } from "../store/check_store.ts";
import {
  type Cause,
  describeCause,
  describeCauseAt,
  type PartitionStatus,
  type Status,
} from "./status.ts";
import type { AssetStatusSummary } from "./status_resolver.ts";

/** How many distinct reasons an asset's one-line summary names before "… N more". */
export const MAX_REASONS = 3;

/** What an asset is, as the CLI's KIND column and the UI say it. */
export type AssetKindLabel = "source" | "ts" | "sql";

export function assetKindLabel(asset: AnyAsset): AssetKindLabel {
  return asset.kind === "source" ? "source" : asset.sql === undefined ? "ts" : "sql";
}

/** One partition in `assets --json`: its status, the reasons as read, and the causes as data. */
export interface PartitionStatusJson {
  readonly status: Status;
  readonly reasons: readonly string[];
  readonly causes: readonly Cause[];
}

/** One asset in `assets --json` (and the UI's /api/assets). */
export interface AssetStatusJson {
  readonly key: string;
  readonly kind: AnyAsset["kind"];
  readonly group: string;
  readonly tags: readonly string[];
  readonly description: string;
  readonly partitions: string;
  readonly upstreams: readonly string[];
  readonly status: Status;
  readonly counts: Readonly<Record<Status, number>>;
  readonly reasons: string;
  /** Present when the asset was named: every partition's status, keyed as people read it. */
  readonly partitionStatuses?: Readonly<Record<string, PartitionStatusJson>>;
}

export function partitionStatusJson(status: PartitionStatus): PartitionStatusJson {
  return {
    status: status.status,
    reasons: status.causes.map(describeCause),
    causes: status.causes,
  };
}

export function assetStatusJson(
  asset: AnyAsset,
  summary: AssetStatusSummary,
  detailed: boolean,
): AssetStatusJson {
  return {
    key: asset.key,
    kind: asset.kind,
    group: asset.group,
    tags: asset.tags,
    description: asset.description,
    partitions: asset.partitions.describe(),
    upstreams: asset.kind === "asset" ? asset.deps.map((d) => d.key) : [],
    status: summary.status,
    counts: summary.counts,
    reasons: topReasons(summary),
    ...(detailed
      ? {
        partitionStatuses: Object.fromEntries(
          [...summary.partitions].map((
            [key, status],
          ) => [displayPartition(key), partitionStatusJson(status)]),
        ),
      }
      : {}),
  };
}

/**
 * The distinct reasons across an asset's partitions, most common first, each with its count
 * when the asset has several partitions: "upstream bronze.orders has a new data version (3)".
 * Reasons of partitions that can run come before those of partitions waiting for data, and a
 * waiting reason leaves out each partition's own day, so 334 days without data read as one.
 */
export function rankedReasons(summary: AssetStatusSummary, max = MAX_REASONS): string[] {
  const counts = new Map<string, { n: number; waiting: boolean }>();
  for (const [partition, status] of summary.partitions) {
    for (const cause of status.causes) {
      // A reader of another day (the day before, a window) waits on a different upstream day
      // in each partition: counted over partitions, the reason leaves that day out.
      const text = describeCauseAt(cause, cause.kind === "waiting" ? cause.partition : partition);
      const seen = counts.get(text);
      if (seen) seen.n++;
      else counts.set(text, { n: 1, waiting: status.status === "waiting" });
    }
  }
  const sorted = [...counts].sort((a, b) =>
    a[1].waiting === b[1].waiting ? b[1].n - a[1].n : a[1].waiting ? 1 : -1
  ).map(([text, { n }]) => [text, n] as const);
  const shown = sorted.slice(0, max).map(([text, n]) =>
    summary.partitions.size > 1 ? `${text} (${n})` : text
  );
  if (sorted.length > max) shown.push(`… ${sorted.length - max} more`);
  return shown;
}

/** The ranked reasons on one line, as the CLI's WHY column shows them. */
export function topReasons(summary: AssetStatusSummary): string {
  return rankedReasons(summary).join("; ");
}

/** One element of `assets --json`: the asset's statuses, its checks, its source observation. */
export interface AssetDocument extends AssetStatusJson {
  readonly checks: readonly CheckLine[];
  /** What a source said about itself when last observed (files, Kafka lag). */
  readonly observation?: Readonly<Record<string, JsonValue>>;
}

export function assetDocument(
  asset: AnyAsset,
  summary: AssetStatusSummary,
  detailed: boolean,
  checks: readonly CheckLine[],
  observation: Readonly<Record<string, JsonValue>> | undefined,
): AssetDocument {
  return {
    ...assetStatusJson(asset, summary, detailed),
    checks,
    ...(observation !== undefined && { observation }),
  };
}

/** The latest result of one check of one partition, as `assets --json` lists it. */
export interface CheckLine {
  readonly partition: string;
  readonly name: string;
  readonly severity: string;
  readonly passed: boolean;
  readonly message: string;
  readonly failingCount: number | undefined;
  readonly failingRows: readonly unknown[] | undefined;
  readonly at: string;
}

/** Every partition's latest check results (store.checks.latestCheckResults) as check lines. */
export function checkLines(
  latest: ReadonlyMap<PartitionKey, readonly RecordedCheck[]>,
): CheckLine[] {
  return [...latest].flatMap(([partition, results]) =>
    results.map((r) => ({
      partition: displayPartition(partition),
      name: r.name,
      severity: r.severity,
      passed: r.passed,
      message: r.message,
      failingCount: r.failingCount,
      failingRows: r.failingRows,
      at: r.at.toISOString(),
    }))
  );
}
