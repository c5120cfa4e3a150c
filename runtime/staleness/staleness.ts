// Staleness as a pure function of versions: given what a partition consumed and what is current
// now, its status and every reason for it. No I/O; the status resolver feeds it.
import type { AssetKey } from "../definitions/asset_key.ts";
import { overdueCause } from "./freshness.ts";
import type { PartitionsDefinition } from "../partitions/definition.ts";
import type { PartitionKey } from "../partitions/partition_key.ts";
import type { FreshnessPolicy } from "../definitions/policies.ts";
import { type Cause, FRESH, type PartitionStatus, statusOf, type WaitingCause } from "./status.ts";
import type { CurrentVersion, Lease, PartitionState } from "../store/metadata_store.ts";
import { changedUpstreams, type CodeVersion, type InputSignature } from "../definitions/version.ts";

export interface StalenessInput {
  readonly codeVersion: CodeVersion;
  readonly freshness: FreshnessPolicy | undefined;
  readonly partitions: PartitionsDefinition;
  readonly partition: PartitionKey;
  readonly state: PartitionState | undefined;
  /** A live lease on this partition, if any. */
  readonly lease: Lease | undefined;
  /** The signature of the upstream versions current now. */
  readonly expectedInputs: InputSignature;
  /**
   * Set when no upstream has data for the partition (see waiting.ts): a partition never
   * materialized is then waiting, not never.
   */
  readonly waiting?: WaitingCause;
  readonly isSource: (key: AssetKey) => boolean;
  /** The alias this partition reads of `key`, when it reads an alias rather than partitions. */
  readonly aliasOf?: (key: AssetKey) => string | undefined;
  /** Mapped upstream partitions whose own status is failed. */
  readonly failedUpstreams: readonly {
    readonly upstream: AssetKey;
    readonly partition: PartitionKey;
  }[];
  readonly now: Date;
}

const NEVER_MATERIALIZED: Cause = Object.freeze({ kind: "never_materialized" });

export function partitionStatus(input: StalenessInput): PartitionStatus {
  // Most partitions are fresh: no array is allocated until a cause is found.
  let causes: Cause[] | undefined;
  const { state, lease } = input;
  const current = state?.current;
  const attempt = state?.lastAttempt;
  if (lease) (causes ??= []).push({ kind: "running", runId: lease.runId, owner: lease.owner });
  if (attempt && (!current || attempt.at.getTime() >= current.at.getTime())) {
    if (attempt.status === "failed") {
      (causes ??= []).push({
        kind: "failed",
        runId: attempt.runId,
        error: attempt.error ?? "unknown error",
      });
    } else if (attempt.status === "running" && !lease) {
      (causes ??= []).push({ kind: "abandoned", runId: attempt.runId });
    }
  }
  if (!current) {
    (causes ??= []).push(input.waiting ?? NEVER_MATERIALIZED);
  } else {
    if (current.codeVersion !== input.codeVersion) (causes ??= []).push({ kind: "code_changed" });
    const before = current.inputSignature ?? ("" as InputSignature);
    if (before !== input.expectedInputs) {
      for (const upstream of changedUpstreams(before, input.expectedInputs)) {
        const key = upstream as AssetKey;
        const alias = input.aliasOf?.(key);
        (causes ??= []).push(
          input.isSource(key)
            ? { kind: "source_new_data", source: key }
            : alias !== undefined
            ? { kind: "alias_moved", upstream: key, alias }
            : { kind: "upstream_changed", upstream: key },
        );
      }
    }
    if (input.freshness) {
      const overdue = overdueCause(
        input.freshness,
        input.partitions,
        input.partition,
        current.at,
        input.now,
      );
      if (overdue) (causes ??= []).push(overdue);
    }
  }
  for (const failed of input.failedUpstreams) {
    (causes ??= []).push({
      kind: "upstream_failed",
      upstream: failed.upstream,
      partition: failed.partition,
    });
  }
  if (causes === undefined) return FRESH;
  return { status: statusOf(causes), causes };
}

/**
 * Whether a partition's current version already reflects its code and the upstream versions
 * it would read now: rematerializing it would change nothing. (Time-based reasons, such as a
 * freshness policy or a failed attempt, are the plan's to weigh, not this.)
 */
export function isUpToDate(
  current: CurrentVersion | undefined,
  codeVersion: CodeVersion,
  expectedInputs: InputSignature,
): boolean {
  return current !== undefined && current.codeVersion === codeVersion &&
    (current.inputSignature ?? "") === expectedInputs;
}
