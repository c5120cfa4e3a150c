// The store's answers about asset checks: each check's result per materialization attempt.
import type { AssetKey } from "../definitions/asset_key.ts";
import type { CheckResult } from "../definitions/check.ts";
import type { PartitionKey } from "../partitions/partition_key.ts";
import type { MaterializationId } from "./partition_store.ts";
import type { RunId } from "./run_store.ts";

export type RecordedCheck = CheckResult & { readonly at: Date };

export interface CheckStore {
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
  ): Promise<ReadonlyMap<PartitionKey, readonly RecordedCheck[]>>;
}
