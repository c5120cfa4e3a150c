// The store's answers about leases: which run may materialize an asset partition right now.
// A lease expires unless its run renews it, so a dead worker's partitions come free.
import type { AssetKey } from "../definitions/asset_key.ts";
import type { PartitionKey } from "../partitions/partition_key.ts";
import type { ProcessIdentity } from "../process_identity.ts";
import type { RunId } from "./run_store.ts";

export interface Lease {
  readonly assetKey: AssetKey;
  readonly partition: PartitionKey;
  readonly runId: RunId;
  /** `host:pid`, for messages. */
  readonly owner: string;
  /** The process of the run that holds it, as its run recorded it; undefined if unrecorded. */
  readonly holder?: ProcessIdentity;
  readonly expiresAt: Date;
}

export type ClaimResult =
  | { readonly claimed: true }
  | { readonly claimed: false; readonly heldBy: Lease };

export interface LeaseStore {
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
  /** Frees every lease of a run (its process is gone); returns how many it held. */
  releaseRun(runId: RunId): Promise<number>;
  /** Live leases, for `running` statuses. */
  listLeases(): Promise<readonly Lease[]>;
}
