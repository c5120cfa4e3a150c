// The store's part of one plan step, in as few round trips as its guarantees allow: begin()
// claims the lease, then reads the pointers the step needs and marks its attempt running; a
// step that commits ends in PartitionStore.commitMaterialization(), or in commitAndBegin() when
// the step to run next is known, any other in finish().
import type { AssetKey } from "../definitions/asset_key.ts";
import type { PartitionRef } from "../definitions/partition_ref.ts";
import type { PartitionKey } from "../partitions/partition_key.ts";
import type { Lease } from "./lease_store.ts";
import type { CurrentPointer, LastAttempt, NewMaterialization } from "./partition_store.ts";
import type { RunId } from "./run_store.ts";

export interface StepStart {
  readonly assetKey: AssetKey;
  readonly partition: PartitionKey;
  readonly runId: RunId;
  /** `host:pid`, for messages. */
  readonly owner: string;
  readonly ttlMs: number;
  /** When the attempt starts, by the run's clock (the running mark's time). */
  readonly at: Date;
  /** The partitions whose pointers the step reads: its own and every mapped upstream one. */
  readonly reads: readonly PartitionRef[];
}

export type StepBegin =
  | {
    readonly claimed: true;
    /** The current pointers of `reads` (absent when none), keyed by partitionRefKey(). */
    readonly pointers: ReadonlyMap<string, CurrentPointer>;
    /** The partition's last attempt before begin() marked it running (finish() restores it). */
    readonly previous: LastAttempt | undefined;
  }
  | { readonly claimed: false; readonly heldBy: Lease };

/** How a step that did not commit leaves its partition's last attempt. */
export type StepEnd =
  /** It ran and ended so (failed, cancelled): the last attempt says it. */
  | { readonly attempt: LastAttempt }
  /** It did not run (already current, nothing to read): the attempt before it is put back. */
  | { readonly restore: LastAttempt | undefined };

export interface StepStore {
  /**
   * Takes the lease on the partition unless a live lease of another run holds it; when taken,
   * reads the pointers of `reads` after the claim (so a previous holder's commit is seen) and
   * marks the attempt running. One round trip.
   */
  begin(start: StepStart): Promise<StepBegin>;
  /**
   * PartitionStore.commitMaterialization(m) without options and, once it committed, begin(next),
   * in one round trip: a serial run's next step begins with the commit of the step before it,
   * and reads the version just committed. Throws as that commit does, with nothing written,
   * when the run no longer held the lease; undefined when the begin failed (the commit stands:
   * begin the step on its own).
   */
  commitAndBegin(m: NewMaterialization, next: StepStart): Promise<StepBegin | undefined>;
  /**
   * Releases the run's lease and, if the run held it, sets the last attempt as `end` says (a
   * restore only while the partition still shows this run's running mark). False when the run
   * no longer held the lease (nothing is written then). One round trip.
   */
  finish(
    assetKey: AssetKey,
    partition: PartitionKey,
    runId: RunId,
    end: StepEnd,
  ): Promise<boolean>;
}
