// Persisted status snapshots: per asset, its partition statuses as one status read computed them,
// all valid at one change mark, so a new process reads a few rows and the changes since that mark
// instead of every partition state (runtime/staleness/status_reader.ts decides what is valid).
import type { AssetKey } from "../definitions/asset_key.ts";
import type { ChangeMark } from "./change_store.ts";

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

export interface StatusSnapshotStore {
  /** The stored set, or undefined when none was written yet. */
  read(): Promise<StatusSnapshotSet | undefined>;
  /**
   * Replaces the stored set by `next` in one transaction if the stored one is still at
   * `expected` (undefined: none stored); false, changing nothing, when another reader replaced
   * it first (its set is as good as ours).
   */
  replace(expected: ChangeMark | undefined, next: StatusSnapshotSet): Promise<boolean>;
}
