// What every part of a step shares: the graph, the store, the lake, the clock and this run's
// identity and options. The executor builds one per run.
import type { Clock } from "../../clock.ts";
import type { Resources } from "../../definitions/resources.ts";
import type { Lake, LakeLocation } from "../../definitions/lake.ts";
import type { AssetGraph } from "../../graph/asset_graph.ts";
import type { Logger } from "../../logger.ts";
import type { PartitionRef } from "../../definitions/partition_ref.ts";
import type { MetadataStore, RunId, StepRecord } from "../../store/metadata_store.ts";
import type { StepBegin } from "../../store/step_store.ts";
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
  /** The begin of the next step, made by this step's commit (StepStore.commitAndBegin). */
  readonly next?: PrefetchedBegin;
}

/** A step's begin made ahead by the commit of the step before it, with the reads it asked for. */
export interface PrefetchedBegin {
  readonly stepId: string;
  readonly reads: readonly PartitionRef[];
  readonly begun: StepBegin;
}

/** How a step links to the steps of a serial run around it (both parts optional). */
export interface StepChain {
  /** This step's begin, made by the commit of the step before it. */
  readonly begun?: PrefetchedBegin;
  /**
   * The step that will start right after this one if it commits now, when the scheduler knows
   * it (this is the only step running): the commit then begins it in the same round trip.
   */
  readonly next?: () => PlanStep | undefined;
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
