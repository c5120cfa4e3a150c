// The store's answers about asset partitions: their current pointers, their materializations
// with lineage, their last attempts, observed source versions, and the commits that move them.
import type { AssetKey } from "../definitions/asset_key.ts";
import type { JsonValue } from "../definitions/context.ts";
import { type PartitionRef, partitionRefKey } from "../definitions/partition_ref.ts";
import type {
  CodeVersion,
  ConsumedInput,
  DataVersion,
  InputSignature,
} from "../definitions/version.ts";
import type { PartitionKey } from "../partitions/partition_key.ts";
import type { AppTransaction } from "../sql_client.ts";
import type { AliasMoveRequest } from "./alias_store.ts";
import type { MaterializationId, RunId } from "./ids.ts";

export type { MaterializationId };

/** The outcome of the latest attempt at one asset partition. */
export type AttemptStatus = "running" | "succeeded" | "failed" | "cancelled";

/** The version a partition currently points at: a materialization, or a source observation. */
export interface CurrentVersion {
  readonly dataVersion: DataVersion;
  readonly codeVersion: CodeVersion | undefined;
  readonly inputSignature: InputSignature | undefined;
  readonly at: Date;
}

/** The current version with where its files are; undefined fields for a source observation. */
export interface CurrentPointer extends CurrentVersion {
  readonly materializationId: MaterializationId | undefined;
  readonly location: string | undefined;
  readonly rows: number | undefined;
}

export interface LastAttempt {
  readonly runId: RunId;
  readonly status: AttemptStatus;
  readonly at: Date;
  readonly error: string | undefined;
}

/** Everything the status resolver needs about one asset partition, read in one query. */
export interface PartitionState {
  readonly current: CurrentVersion | undefined;
  readonly lastAttempt: LastAttempt | undefined;
}

/** Asset key → partition key → state. Partitions never touched are absent. */
export type StateIndex = ReadonlyMap<AssetKey, ReadonlyMap<PartitionKey, PartitionState>>;

/** A downstream partition whose current materialization read a given upstream partition. */
export interface Consumer {
  readonly assetKey: AssetKey;
  readonly partition: PartitionKey;
  readonly materializationId: MaterializationId;
  /** The upstream partition's data version when it was read (older than now when stale). */
  readonly readDataVersion: DataVersion;
  /** The downstream partition's own current data version. */
  readonly dataVersion: DataVersion;
}

export interface NewMaterialization {
  readonly id: MaterializationId;
  readonly runId: RunId;
  readonly assetKey: AssetKey;
  readonly partition: PartitionKey;
  readonly dataVersion: DataVersion;
  readonly codeVersion: CodeVersion;
  readonly inputSignature: InputSignature;
  readonly location: string;
  readonly rows: number | undefined;
  readonly bytes: number | undefined;
  readonly metadata: Readonly<Record<string, JsonValue>>;
  readonly inputs: readonly ConsumedInput[];
  readonly startedAt: Date;
  readonly committedAt: Date;
}

export interface MaterializationRecord extends NewMaterialization {}

export interface CommitOptions {
  /** Writes to the application's tables that land with the pointer or not at all. */
  readonly inCommit?: (tx: AppTransaction) => Promise<void>;
  /**
   * Commit only if the partition still points at this materialization (undefined: at none),
   * as when the materialization was read; else ConcurrentChangeError and nothing commits.
   */
  readonly expectedCurrent?: { readonly materializationId: MaterializationId | undefined };
  /**
   * Points an alias of the asset at this materialization in the same transaction (a model and
   * its promotion land together); with `expectedFrom`, ConcurrentChangeError and nothing
   * commits when the alias moved meanwhile.
   */
  readonly moveAlias?: CommitAliasMove;
}

/** The alias move a commit makes: the alias store's move, aimed at the committed version. */
export type CommitAliasMove = Pick<
  AliasMoveRequest,
  "alias" | "reason" | "movedBy" | "expectedFrom"
>;

/** A partition's current part set, seen under its lock. */
export interface CurrentParts {
  readonly parts: readonly string[];
  readonly dataVersion: DataVersion;
  readonly rows: number;
}

/** The pointer a part-set commit moves to. */
export interface PartSetChange {
  readonly parts: readonly string[];
  readonly dataVersion: DataVersion;
  readonly rows: number;
  /** What it read; "keep" for a change of layout only (a compaction), which read the same. */
  readonly inputs: readonly ConsumedInput[] | "keep";
  readonly metadata: Readonly<Record<string, JsonValue>>;
}

/**
 * A commit to a part-set pointer from outside a run's lease: a stream appender adds a part, a
 * compactor replaces parts by their merge.
 */
export interface PartSetCommit {
  readonly id: MaterializationId;
  /** The run recorded as the writer (an ingester registers one for its lifetime). */
  readonly runId: RunId;
  readonly assetKey: AssetKey;
  readonly partition: PartitionKey;
  readonly codeVersion: CodeVersion;
  readonly startedAt: Date;
  readonly committedAt: Date;
  /** The new pointer from the current one (undefined: none yet); null leaves it as it is. */
  readonly change: (current: CurrentParts | undefined) => PartSetChange | null;
}

/** One metadata transaction as a writer outside a run sees it. */
export interface StoreTransaction {
  /**
   * Moves a part-set pointer as `commit.change` decides; false when it decided not to. The
   * pointer row stays locked until the transaction ends, so writers of one partition take
   * turns and none loses a part another committed.
   */
  commitPartSet(commit: PartSetCommit): Promise<boolean>;
  /** The application's own tables, in the same transaction. */
  readonly app: AppTransaction;
}

export interface PartitionStore {
  /** Every asset partition's current version and last attempt, in one query. */
  loadStates(): Promise<StateIndex>;
  /** The current pointers of `refs` (absent when none), keyed by partitionRefKey(). */
  loadPointers(refs: readonly PartitionRef[]): Promise<ReadonlyMap<string, CurrentPointer>>;
  /** The partitions of `assetKey` that have a current version, with it. */
  currentVersions(assetKey: AssetKey): Promise<ReadonlyMap<PartitionKey, DataVersion>>;
  /** The inputs each materialization consumed (its lineage edges). */
  loadInputs(
    ids: readonly MaterializationId[],
  ): Promise<ReadonlyMap<MaterializationId, readonly ConsumedInput[]>>;
  /**
   * The downstream partitions whose current materialization read `partition` of `assetKey`
   * (partition-level lineage, downwards), by asset and partition key, at most `limit`.
   */
  listConsumers(
    assetKey: AssetKey,
    partition: PartitionKey,
    limit: number,
  ): Promise<readonly Consumer[]>;
  getMaterialization(id: MaterializationId): Promise<MaterializationRecord | undefined>;
  /** History of every partition of an asset, newest first (a model's versions). */
  listAssetMaterializations(
    assetKey: AssetKey,
    limit: number,
  ): Promise<readonly MaterializationRecord[]>;
  /** History of an asset partition, newest first. */
  listMaterializations(
    assetKey: AssetKey,
    partition: PartitionKey,
    limit: number,
  ): Promise<readonly MaterializationRecord[]>;

  /** Marks the partition's last attempt (running, failed, cancelled) without moving its pointer. */
  recordAttempt(assetKey: AssetKey, partition: PartitionKey, attempt: LastAttempt): Promise<void>;
  /**
   * In one transaction: the materialization, its input edges, the moved pointer, a succeeded
   * last attempt and the released lease. Throws RuntimeInvariantError, committing nothing, when
   * `runId` no longer holds the lease (another worker took the partition over).
   */
  commitMaterialization(
    materialization: NewMaterialization,
    options?: CommitOptions,
  ): Promise<void>;
  /** Runs `work` in one metadata transaction, for writers outside a run (stream appenders). */
  transact<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T>;

  /** Records a source's observed versions; partitions whose version is unchanged stay as they are. */
  recordObservation(
    assetKey: AssetKey,
    versions: ReadonlyMap<PartitionKey, DataVersion>,
    metadata: Readonly<Record<string, JsonValue>>,
    at: Date,
  ): Promise<number>;
}

/** The current pointer of one asset partition, with where its files are. */
export async function loadPointer(
  partitions: PartitionStore,
  assetKey: AssetKey,
  partition: PartitionKey,
): Promise<CurrentPointer | undefined> {
  const pointers = await partitions.loadPointers([{ assetKey, partition }]);
  return pointers.get(partitionRefKey(assetKey, partition));
}
