// The partition statuses one status read computed for one asset, carried to the next read without
// copying them: the next read's memo shares this one's map and hides the partitions a change
// reaches, so a commit to one partition of a 100,000-partition asset costs what it changed.
import type { PartitionKey } from "../partitions/partition_key.ts";
import type { PartitionStatus } from "./status.ts";

/** Past this many hidden or own entries (beyond a share of the shared map), copy instead. */
const FOLD_SHARE = 16;
const FOLD_MIN = 64;

export class StatusMemo {
  private constructor(
    /**
     * Statuses shared with earlier reads' memos. Only the memo that made it writes to it (see
     * set()); what it adds holds for every later memo except the partitions they hide.
     */
    private readonly shared: ReadonlyMap<PartitionKey, PartitionStatus>,
    /** Partitions whose shared status no longer holds for this read. */
    private readonly hidden: ReadonlySet<PartitionKey>,
    /**
     * Statuses computed for this read, looked up first (the same map as `shared` in a memo that
     * owns it).
     */
    private readonly own: Map<PartitionKey, PartitionStatus>,
  ) {}

  static empty(): StatusMemo {
    const map = new Map<PartitionKey, PartitionStatus>();
    return new StatusMemo(map, new Set(), map);
  }

  /** A memo that starts from `statuses` (never changed: what it adds goes apart). */
  static over(statuses: ReadonlyMap<PartitionKey, PartitionStatus>): StatusMemo {
    return new StatusMemo(statuses, new Set(), new Map());
  }

  /**
   * A memo for a later read with the statuses of `previous` except `invalid` (partitions whose
   * state, lease or upstreams changed). `previous` may go on adding statuses: those it adds
   * outside `invalid` hold for both reads, so the new memo may see them.
   */
  static carried(previous: StatusMemo, invalid: Iterable<PartitionKey>): StatusMemo {
    const owns = previous.own === previous.shared;
    const hidden = new Set(previous.hidden);
    const own = owns ? new Map<PartitionKey, PartitionStatus>() : new Map(previous.own);
    for (const partition of invalid) {
      hidden.add(partition);
      own.delete(partition);
    }
    if (hidden.size + own.size <= Math.max(FOLD_MIN, previous.shared.size / FOLD_SHARE)) {
      return new StatusMemo(previous.shared, hidden, own);
    }
    // Too much hidden or kept apart: one copy, owned by the new memo.
    const flat = new Map<PartitionKey, PartitionStatus>();
    for (const [partition, status] of previous.shared) {
      if (!hidden.has(partition)) flat.set(partition, status);
    }
    for (const [partition, status] of own) flat.set(partition, status);
    return new StatusMemo(flat, new Set(), flat);
  }

  get(partition: PartitionKey): PartitionStatus | undefined {
    return this.own.get(partition) ??
      (this.hidden.has(partition) ? undefined : this.shared.get(partition));
  }

  set(partition: PartitionKey, status: PartitionStatus): void {
    this.own.set(partition, status);
  }
}
