// The store's answers about aliases: a name on an asset (`champion`) that points at one of its
// materializations. Moving it is one transaction with its history, so promotion and rollback
// are a single update, and readers of the alias see it as the upstream partition `@<alias>`.
import type { AssetKey } from "../definitions/asset_key.ts";
import type { DataVersion } from "../definitions/version.ts";
import type { PartitionKey } from "../partitions/partition_key.ts";
import type { MaterializationId } from "./ids.ts";

export interface AliasTarget {
  readonly assetKey: AssetKey;
  readonly alias: string;
  readonly materializationId: MaterializationId;
  /** The partition the aliased materialization belongs to. */
  readonly partition: PartitionKey;
  readonly dataVersion: DataVersion;
  readonly location: string;
  readonly movedAt: Date;
}

export interface AliasMove {
  readonly id: number;
  readonly assetKey: AssetKey;
  readonly alias: string;
  readonly from: MaterializationId | undefined;
  readonly to: MaterializationId;
  readonly reason: string;
  readonly movedBy: string;
  readonly at: Date;
}

export interface AliasMoveRequest {
  readonly assetKey: AssetKey;
  readonly alias: string;
  readonly to: MaterializationId;
  /** Why, for the history: "passed every gate", "rollback", "promoted by hand". */
  readonly reason: string;
  /** Who: a run id, a user, a host. */
  readonly movedBy: string;
  readonly at: Date;
  /**
   * Move only if the alias still points here (null: nowhere yet); else ConcurrentChangeError
   * and nothing changes. Omit to move unconditionally.
   */
  readonly expectedFrom?: MaterializationId | null;
}

export interface AliasStore {
  current(assetKey: AssetKey, alias: string): Promise<AliasTarget | undefined>;
  /** Every alias of every asset, for listings. */
  list(): Promise<readonly AliasTarget[]>;
  move(request: AliasMoveRequest): Promise<AliasMove>;
  /** Moves of one alias, newest first. */
  history(assetKey: AssetKey, alias: string, limit: number): Promise<readonly AliasMove[]>;
}

/** The notification channel a move announces itself on (Postgres LISTEN/NOTIFY). */
export const ALIAS_CHANNEL = "sluice_alias_moved";
