// What every part of a step shares: the graph, the store, the lake, the clock and this run's
// identity and options. The executor builds one per run.
import type { Clock } from "../../clock.ts";
import type { Resources } from "../../definitions/resources.ts";
import type { Lake, LakeLocation } from "../../definitions/lake.ts";
import type { AssetGraph } from "../../graph/asset_graph.ts";
import type { Logger } from "../../logger.ts";
import type { MetadataStore, RunId, StepRecord } from "../../store/metadata_store.ts";
import type { PlanStep } from "../plan.ts";

export interface ExecutorHooks {
  /** Called after the output is sealed and checked, just before the commit (tests crash here). */
  readonly beforeCommit?: (step: PlanStep, output: LakeLocation) => Promise<void>;
}

export interface StepEnvironment {
  readonly graph: AssetGraph;
  readonly store: MetadataStore;
  readonly lake: Lake;
  readonly resources: Resources;
  readonly clock: Clock;
  readonly random: () => number;
  readonly log: Logger;
  readonly runId: RunId;
  readonly owner: string;
  readonly force: boolean;
  readonly fullRefresh: boolean;
  readonly leaseTtlMs: number;
  readonly lockWaitMs: number;
  readonly lockPollMs: number;
  readonly hooks: ExecutorHooks;
}

/** Why a step was skipped: a closed union, so what blocks downstream steps is decided once. */
export type SkipKind =
  /** Its partition is already current (nothing to do): downstream steps may go on. */
  | "current"
  /** Nothing to read yet (an alias points nowhere, no upstream has data): downstreams go on. */
  | "waiting"
  /** An upstream step did not succeed, or the lease was not won. */
  | "blocked";

export interface StepOutcome {
  readonly record: StepRecord;
  /** Set for skipped steps. */
  readonly skip: SkipKind | undefined;
}

/** Whether downstream steps must be skipped because of this one. */
export function blocksDownstream(outcome: StepOutcome): boolean {
  switch (outcome.record.status) {
    case "succeeded":
      return false;
    case "skipped":
      return outcome.skip === "blocked";
    case "failed":
    case "cancelled":
      return true;
  }
}
