// The metadata store's contract: runs, materializations and their lineage, the current pointer
// per asset partition, leases, check results, observations and run logs (Postgres schema
// `platform`). One implementation over SqlClient serves PGlite and Postgres alike.
import type { AssetKey } from "../definitions/asset_key.ts";
import type { CheckResult } from "../definitions/check.ts";
import type { SqlClient } from "../sql_client.ts";
import type { JsonValue } from "../definitions/context.ts";
import type { LogEvent } from "../logger.ts";
import type { PartitionKey } from "../partitions/partition_key.ts";
import type { CodeVersion, ConsumedInput, DataVersion, InputSignature } from "../definitions/version.ts";

export type RunId = string & { readonly __brand: "RunId" };
export type MaterializationId = string & { readonly __brand: "MaterializationId" };

export type RunStatus = "running" | "succeeded" | "failed" | "cancelled";
/** The outcome of the latest attempt at one asset partition. */
export type AttemptStatus = "running" | "succeeded" | "failed" | "cancelled";
/** A plan step's outcome in a run table. */
export type StepStatus = "succeeded" | "failed" | "skipped" | "cancelled";

export interface NewRun {
  readonly id: RunId;
  readonly command: string;
  readonly selection: string;
  readonly partitions: string;
  readonly host: string;
  readonly pid: number;
  readonly startedAt: Date;
}

export interface RunRecord extends NewRun {
  readonly status: RunStatus;
  readonly finishedAt: Date | undefined;
  readonly summary: Readonly<Record<string, JsonValue>>;
}

export interface StepRecord {
  readonly assetKey: AssetKey;
  readonly partition: PartitionKey;
  readonly status: StepStatus;
  readonly attempts: number;
  readonly rows: number | undefined;
  readonly durationMs: number;
  readonly reason: string;
  readonly materializationId: MaterializationId | undefined;
}

/** The version a partition currently points at: a materialization, or a source observation. */
export interface CurrentVersion {
  readonly dataVersion: DataVersion;
  readonly codeVersion: CodeVersion | undefined;
  readonly inputSignature: InputSignature | undefined;
  readonly at: Date;
}

/** The current version with where its files are; null fields for a source observation. */
export interface CurrentPointer extends CurrentVersion {
  readonly materializationId: MaterializationId | undefined;
  readonly location: string | undefined;
  readonly rows: number | undefined;
}

/** One asset partition, as a step names the upstream partitions it reads. */
export interface PartitionRef {
  readonly assetKey: AssetKey;
  readonly partition: PartitionKey;
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

export interface Lease {
  readonly assetKey: AssetKey;
  readonly partition: PartitionKey;
  readonly runId: RunId;
  readonly owner: string;
  readonly expiresAt: Date;
}

export type ClaimResult =
  | { readonly claimed: true }
  | { readonly claimed: false; readonly heldBy: Lease };

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
  /** Runs inside the commit transaction, after the lease is proven and before the pointer moves. */
  readonly alongside?: (tx: SqlClient) => Promise<void>;
}

export interface MaterializationRecord extends NewMaterialization {}

export interface MetadataStore {
  /** Applies pending migrations from sql/platform; safe to call from several processes. */
  migrate(): Promise<void>;

  startRun(run: NewRun): Promise<void>;
  finishRun(
    id: RunId,
    status: RunStatus,
    summary: Readonly<Record<string, JsonValue>>,
    at: Date,
  ): Promise<void>;
  getRun(id: RunId): Promise<RunRecord | undefined>;
  listRuns(limit: number): Promise<readonly RunRecord[]>;
  recordSteps(runId: RunId, steps: readonly StepRecord[]): Promise<void>;
  listSteps(runId: RunId): Promise<readonly StepRecord[]>;
  appendLogs(runId: RunId, events: readonly LogEvent[]): Promise<void>;
  listLogs(runId: RunId): Promise<readonly LogEvent[]>;

  /** Every asset partition's current version and last attempt, in one query. */
  loadStates(): Promise<StateIndex>;
  /** The current pointers of `refs` (absent when never materialized), keyed by pointerKey(). */
  loadPointers(refs: readonly PartitionRef[]): Promise<ReadonlyMap<string, CurrentPointer>>;
  /** The inputs each materialization consumed (its lineage edges). */
  loadInputs(
    ids: readonly MaterializationId[],
  ): Promise<ReadonlyMap<MaterializationId, readonly ConsumedInput[]>>;
  getMaterialization(id: MaterializationId): Promise<MaterializationRecord | undefined>;
  /** History of an asset partition, newest first. */
  listMaterializations(
    assetKey: AssetKey,
    partition: PartitionKey,
    limit: number,
  ): Promise<readonly MaterializationRecord[]>;

  /** Takes the lease on an asset partition unless a live lease of another run holds it. */
  claim(
    assetKey: AssetKey,
    partition: PartitionKey,
    runId: RunId,
    owner: string,
    ttlMs: number,
  ): Promise<ClaimResult>;
  /** Extends every lease `runId` holds; returns how many it holds. */
  renewLeases(runId: RunId, ttlMs: number): Promise<number>;
  release(assetKey: AssetKey, partition: PartitionKey, runId: RunId): Promise<void>;
  /** Live leases, for `running` statuses. */
  listLeases(): Promise<readonly Lease[]>;

  /** Marks the partition's last attempt (running, failed, cancelled) without moving its pointer. */
  recordAttempt(
    assetKey: AssetKey,
    partition: PartitionKey,
    attempt: LastAttempt,
  ): Promise<void>;
  /**
   * In one transaction: the materialization, its input edges, the moved pointer, a succeeded last
   * attempt and the released lease. Throws RuntimeInvariantError, committing nothing, when
   * `runId` no longer holds the lease (another worker took the partition over).
   */
  commitMaterialization(materialization: NewMaterialization): Promise<void>;

  /** Records a source's observed versions; partitions whose version is unchanged stay as they are. */
  recordObservation(
    assetKey: AssetKey,
    versions: ReadonlyMap<PartitionKey, DataVersion>,
    metadata: Readonly<Record<string, JsonValue>>,
    at: Date,
  ): Promise<number>;

  recordCheckResults(
    runId: RunId,
    assetKey: AssetKey,
    partition: PartitionKey,
    materializationId: MaterializationId,
    results: readonly CheckResult[],
    at: Date,
  ): Promise<void>;
  /** The latest result of each check of each asset partition. */
  latestCheckResults(
    assetKey: AssetKey,
  ): Promise<ReadonlyMap<PartitionKey, readonly (CheckResult & { readonly at: Date })[]>>;

  close(): Promise<void>;
}

/** The key of a ref in loadPointers()' answer. */
export function pointerKey(assetKey: AssetKey, partition: PartitionKey): string {
  return `${assetKey}\u0000${partition}`;
}

/** The current pointer of one asset partition, with where its files are. */
export async function loadPointer(
  store: MetadataStore,
  assetKey: AssetKey,
  partition: PartitionKey,
): Promise<CurrentPointer | undefined> {
  const pointers = await store.loadPointers([{ assetKey, partition }]);
  return pointers.get(pointerKey(assetKey, partition));
}
