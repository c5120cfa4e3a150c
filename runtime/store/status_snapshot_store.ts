// Persisted status snapshots: per asset, its partition statuses as one status read computed them,
// all valid at one change mark, so a new process reads a few rows and the changes since that mark
// instead of every partition state (runtime/staleness/status_reader.ts decides what is valid).
import type { AssetKey } from "../definitions/asset_key.ts";
import type { PartitionKey } from "../partitions/partition_key.ts";
import type { ChangeMark } from "./change_store.ts";
import type { StateIndex } from "./partition_store.ts";

/** One asset's statuses, encoded by the reader (runtime/staleness/status_snapshot.ts). */
export interface StoredStatusSnapshot {
  readonly assetKey: AssetKey;
  /** What the statuses depend on besides partition states and leases. */
  readonly fingerprint: string;
  readonly statuses: string;
}

/** Every stored snapshot, each valid at `mark`. */
export interface StatusSnapshotSet {
  readonly mark: ChangeMark;
  readonly assets: readonly StoredStatusSnapshot[];
}

/**
 * What a process's first full status read needs, from one snapshot of the store: the stored
 * set, every partition state and which of them were written since the set's mark.
 */
export interface SnapshotWithStates {
  /** The stored set, or undefined when none was written yet. */
  readonly stored: StatusSnapshotSet | undefined;
  /** The mark of this read: `states` are every state at it. */
  readonly mark: ChangeMark;
  /** Every partition state, as loadStates() has them (an asset's unpacked when first asked). */
  readonly states: StateIndex;
  /** Per asset, the partitions (aliases as `@<alias>`) written since the stored set's mark. */
  readonly changed: ReadonlyMap<AssetKey, readonly PartitionKey[]>;
}

export interface StatusSnapshotStore {
  /** The stored set, or undefined when none was written yet. */
  read(): Promise<StatusSnapshotSet | undefined>;
  /**
   * The stored set with every partition state and what was written since its mark, in one
   * statement (so all at one mark): a long-lived reader's first read (loadStatusResolver()).
   */
  readWithStates(): Promise<SnapshotWithStates>;
  /**
   * Replaces the stored set by `next` in one transaction if the stored one is still at
   * `expected` (undefined: none stored); false, changing nothing, when another reader replaced
   * it first (its set is as good as ours).
   */
  replace(expected: ChangeMark | undefined, next: StatusSnapshotSet): Promise<boolean>;
}
