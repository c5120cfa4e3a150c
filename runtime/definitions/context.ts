// What a materialize function receives (its partition, resources, upstream partitions, a
// logger, a place to write) and what it gives back (rows, bytes, metadata).
import type { AssetKey } from "./asset_key.ts";
import type { LakeLocation } from "./lake.ts";
import type { Logger } from "../logger.ts";
import type { TimeWindow } from "../partitions/definition.ts";
import type { PartitionKey } from "../partitions/partition_key.ts";
import type { Resources } from "./resources.ts";
import type { AppTransaction } from "../sql_client.ts";
import type { DataVersion } from "./version.ts";

export type JsonValue = string | number | boolean | null | readonly JsonValue[] | {
  readonly [key: string]: JsonValue;
};

/** One upstream partition as it is current when the materialization starts. */
export interface UpstreamPartition {
  readonly key: AssetKey;
  readonly partition: PartitionKey;
  readonly dataVersion: DataVersion;
  /** The materialization it is (undefined for a source's observation). */
  readonly materializationId?: string;
  /**
   * Where its files are: one location, or each part of a part set (see part_set.ts), in order.
   * Empty for observable sources, which have no files in the lake.
   */
  readonly parts: readonly LakeLocation[];
}

/** The local paths of file `name` in every part of every input, for readers such as DuckDB. */
export function inputFiles(inputs: readonly UpstreamPartition[], name: string): string[] {
  return inputs.flatMap((input) => input.parts.map((part) => `${part.dir}/${name}`));
}

/** Anything with an asset key: an asset definition or a source, as `input()` takes it. */
export interface KeyedAsset {
  readonly key: AssetKey;
}

export interface MaterializeContext<Upstream extends KeyedAsset = KeyedAsset> {
  readonly key: AssetKey;
  readonly partition: PartitionKey;
  /** The time window of a time partition. */
  readonly window: TimeWindow | undefined;
  readonly runId: string;
  readonly attempt: number;
  /** `--full-refresh`: an incremental asset rebuilds everything instead of its lookback window. */
  readonly fullRefresh: boolean;
  readonly resources: Resources;
  readonly log: Logger;
  /** Aborted on timeout or cancellation; pass it to long operations. */
  readonly signal: AbortSignal;
  /** A new, empty location to write this partition's files into. */
  readonly output: LakeLocation;
  /** The upstream partitions of `asset` that this partition depends on. */
  input(asset: Upstream): readonly UpstreamPartition[];
  /** The same by key, for code that only knows keys (SQL engines rendering `ref()`). */
  inputByKey(key: AssetKey): readonly UpstreamPartition[];
  /**
   * This partition's own current version when the attempt began, with its files opened;
   * undefined when it has none. For a writer that rewrites what is there (see
   * MaterializeResult.requireUnchanged).
   */
  current(): Promise<UpstreamPartition | undefined>;
  /**
   * Where an alias of this asset points now (its materialization, with metadata and files
   * opened), or undefined while it points nowhere: a candidate compares itself with the
   * `champion`. A read for comparison only, not an input: it is not recorded as lineage.
   */
  aliasTarget(alias: string): Promise<AliasedVersion | undefined>;
  /** The run's clock (injected in tests), for timestamps the asset writes into its rows. */
  now(): Date;
}

/** The materialization an alias of an asset points at, as MaterializeContext.aliasTarget reads it. */
export interface AliasedVersion extends UpstreamPartition {
  readonly alias: string;
  readonly materializationId: string;
  readonly metadata: Readonly<Record<string, JsonValue>>;
  readonly movedAt: Date;
}

/** An alias move a materialization asks for, committed in the same transaction as itself. */
export interface AliasPromotion {
  readonly alias: string;
  /** Why, for the alias's history: "passed every gate (6 of 6)". */
  readonly reason: string;
  /**
   * Move only if the alias still points at this materialization id (null: nowhere), as when
   * the asset compared itself with it; otherwise nothing commits and the attempt is retried.
   */
  readonly expectedFrom?: string | null;
}

export interface MaterializeResult {
  /** Rows written, for the run table and the metadata store. */
  readonly rows?: number;
  /** Content to store as the single file `data` in the output location. */
  readonly data?: Uint8Array | string;
  readonly metadata?: Readonly<Record<string, JsonValue>>;
  /**
   * A data version the asset computed itself (for example a hash of sorted rows). When absent,
   * the version is the digest of the files in the output location.
   */
  readonly dataVersion?: string;
  /**
   * Writes to the application's tables that must become visible exactly when the pointer
   * moves, such as swapping a warehouse partition: they run inside the metadata commit
   * transaction, so they land with the pointer or not at all. Schema `platform` is not theirs.
   */
  readonly inCommit?: (tx: AppTransaction) => Promise<void>;
  /**
   * Commit only if the partition still points at `ctx.current` (a concurrent writer, such as a
   * stream appender, may have moved it meanwhile); otherwise the attempt fails and is retried.
   */
  readonly requireUnchanged?: boolean;
  /**
   * Points an alias of this asset at this materialization in its commit transaction, so a
   * version and its promotion land together (see AliasPromotion).
   */
  readonly moveAlias?: AliasPromotion;
}

export interface ObserveContext {
  readonly key: AssetKey;
  readonly resources: Resources;
  readonly log: Logger;
  readonly now: Date;
  /** The partitions of `key` that currently have a version, with it (a read of the store). */
  currentVersions(key: AssetKey): Promise<ReadonlyMap<PartitionKey, DataVersion>>;
}

/** What an observable source reports: the current data version of each of its partitions. */
export interface Observation {
  readonly partitions: ReadonlyMap<PartitionKey, DataVersion>;
  readonly metadata?: Readonly<Record<string, JsonValue>>;
  /**
   * Records the source holds that no reported partition reflects yet (a Kafka consumer's lag):
   * its downstreams say so, since those records will change them once they arrive.
   */
  readonly pendingRecords?: number;
}
