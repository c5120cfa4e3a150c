// The store's change feed for status reads: every partition state (and alias) written since a
// mark, so a reader that keeps the states in memory reads only what changed since its last read.
import type { AssetKey } from "../definitions/asset_key.ts";
import type { StateIndex } from "./partition_store.ts";

/**
 * A position in the store's history of partition states, opaque to callers: pass the mark of
 * one read to the next. (On SQL, the read's snapshot: which transactions it could see.)
 */
export type ChangeMark = string & { readonly __brand: "ChangeMark" };

export interface StateChanges {
  /** Where the next read starts. */
  readonly mark: ChangeMark;
  /**
   * The states of the partitions written since the mark asked for, as loadStates() returns
   * them (an alias as the partition `@<alias>` of its asset); every state when none was given.
   * A partition is in it when something wrote its row since, even if to the same values; a
   * partition never leaves the store.
   */
  readonly states: StateIndex;
}

export interface ChangeStore {
  /** The states written since `since` (every state when undefined), in one query. */
  statesSince(since: ChangeMark | undefined): Promise<StateChanges>;
  /**
   * Every state of the assets `keys` (aliases included), as loadStates() has them; the maps may
   * unpack lazily, so a caller that looks up a few partitions pays for those.
   */
  statesOf(keys: readonly AssetKey[]): Promise<StateIndex>;
}
