// Asset checks: named tests of a freshly written partition, run before it is committed. A failing
// check of severity "error" keeps the partition from becoming current and blocks downstreams;
// "warn" is recorded only.
import type { AssetKey } from "./asset_key.ts";
import type { LakeLocation } from "./lake.ts";
import type { Logger } from "../logger.ts";
import type { PartitionKey } from "../partitions/partition_key.ts";
import type { Resources } from "./resources.ts";
import type { UpstreamPartition } from "./context.ts";
import type { TimeWindow } from "../partitions/definition.ts";

export type CheckSeverity = "error" | "warn";

export interface CheckContext {
  readonly key: AssetKey;
  readonly partition: PartitionKey;
  /** The staged, not yet committed, output of this materialization. */
  readonly output: LakeLocation;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly resources: Resources;
  readonly log: Logger;
  /** The time window of a time partition. */
  readonly window: TimeWindow | undefined;
  /** The run's clock, for freshness tests. */
  readonly now: Date;
  /** The upstream partitions this materialization read (relationships tests join them). */
  inputByKey(key: AssetKey): readonly UpstreamPartition[];
}

export interface CheckOutcome {
  readonly passed: boolean;
  readonly message: string;
  /** The first failing rows, for the person who reads the result. */
  readonly failingRows?: readonly unknown[];
  readonly failingCount?: number;
}

export interface AssetCheck {
  readonly name: string;
  readonly severity: CheckSeverity;
  readonly description?: string;
  run(ctx: CheckContext): Promise<CheckOutcome>;
}

export interface CheckResult extends CheckOutcome {
  readonly name: string;
  readonly severity: CheckSeverity;
}
