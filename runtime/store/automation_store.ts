// The store's answers about automation: whether each schedule and sensor is on, schedule ticks
// (one row per schedule and tick time: whoever inserts it evaluates it), sensor cursors saved in
// the transaction that enqueues their requests, what automation conditions last asked for, and
// the outbox of alerts sensors raise.
import type { AssetKey } from "../definitions/asset_key.ts";
import type { PartitionKey } from "../partitions/partition_key.ts";
import type { RunId } from "./ids.ts";
import type { DaemonId, NewRunRequest, RunRequestId } from "./run_queue_store.ts";

export type AutomationKind = "schedule" | "sensor";

export interface AutomationState {
  readonly kind: AutomationKind;
  readonly name: string;
  readonly enabled: boolean;
  /** When it was last turned on or off. */
  readonly changedAt: Date;
  readonly cursor: string | undefined;
  /** Schedules: the latest tick evaluated. */
  readonly lastTickAt: Date | undefined;
  readonly lastEvaluatedAt: Date | undefined;
  readonly lastSkipReason: string | undefined;
  readonly lastError: string | undefined;
  /** How many requests the last evaluation enqueued. */
  readonly lastRequests: number | undefined;
}

export type TickStatus = "requested" | "skipped" | "failed";

/** One tick a schedule evaluation decided, with the requests it asks for. */
export interface TickDecision {
  readonly tickAt: Date;
  readonly status: TickStatus;
  readonly requests: readonly NewRunRequest[];
  /** Earlier missed ticks this one stands for. */
  readonly superseded: number;
  readonly reason: string | undefined;
}

export interface ScheduleEvaluation {
  readonly ticks: readonly TickDecision[];
  /** The latest tick considered (evaluated or skipped): the next evaluation starts after it. */
  readonly lastTickAt: Date | undefined;
}

export interface ScheduleTick extends Omit<TickDecision, "requests"> {
  readonly scheduleName: string;
  readonly evaluatedAt: Date;
  readonly daemonId: DaemonId;
  readonly requestIds: readonly RunRequestId[];
}

/** A sensor evaluation this daemon holds; its commit must present the token. */
export interface SensorClaim {
  readonly name: string;
  readonly token: string;
  readonly cursor: string | undefined;
  readonly daemonId: DaemonId;
}

/** What an automation condition asked for, per asset partition. */
export interface RequestedTarget {
  readonly assetKey: AssetKey;
  readonly partition: PartitionKey;
  /** The upstream versions it was requested for. */
  readonly fingerprint: string;
}

export interface NewAlert {
  /** Unique: an alert is recorded (and delivered) once per key, e.g. `run-failed:<run id>`. */
  readonly key: string;
  readonly message: string;
  readonly payload: Readonly<Record<string, unknown>>;
}

export interface PendingAlert extends NewAlert {
  readonly sensor: string;
  readonly createdAt: Date;
  readonly attempts: number;
}

export interface SensorOutcome {
  readonly cursor: string | undefined;
  readonly requests: readonly NewRunRequest[];
  readonly skipReason: string | undefined;
  readonly alerts?: readonly NewAlert[];
  /** Automation conditions: what each requested target was asked for (keyed by the request). */
  readonly targets?: readonly (RequestedTarget & { readonly request: number })[];
}

/** A run that ended, for the run-failure sensor. */
export interface EndedRun {
  readonly id: RunId;
  readonly status: string;
  readonly command: string;
  readonly selection: string;
  readonly partitions: string;
  readonly finishedAt: Date;
  readonly summary: Readonly<Record<string, unknown>>;
}

export interface AutomationStore {
  /** Every state of `kind`, by name. */
  states(kind: AutomationKind): Promise<ReadonlyMap<string, AutomationState>>;
  /** Creates the states not yet recorded, on or off as their definition says, as of `at`. */
  ensureStates(
    kind: AutomationKind,
    defaults: readonly { readonly name: string; readonly enabled: boolean }[],
    at: Date,
  ): Promise<void>;
  /** Turns one on or off; turning on records `at`, before which nothing is back-filled. */
  setEnabled(kind: AutomationKind, name: string, enabled: boolean, at: Date): Promise<void>;

  /**
   * With the schedule's state locked (undefined: it is off, or another daemon holds it), asks
   * `decide` which ticks to record, then in the same transaction inserts each tick (skipping
   * any already recorded), enqueues the requests of the ones it inserted and moves the state.
   * Returns the ticks this call recorded.
   */
  evaluateSchedule(
    name: string,
    daemonId: DaemonId,
    at: Date,
    decide: (state: AutomationState) => ScheduleEvaluation,
  ): Promise<readonly ScheduleTick[]>;
  /** A schedule's newest ticks first. */
  listTicks(scheduleName: string, limit: number): Promise<readonly ScheduleTick[]>;

  /**
   * Claims the sensor for one evaluation if it is on, its interval has passed since its last
   * evaluation (by `at`) and no live claim holds it; the claim lapses at `at + claimTtlMs`.
   */
  claimSensor(
    name: string,
    daemonId: DaemonId,
    at: Date,
    intervalMs: number,
    claimTtlMs: number,
  ): Promise<SensorClaim | undefined>;
  /**
   * In one transaction: the new cursor, the requests (run keys make a repeat a no-op), the
   * alerts and targets, and the evaluation's record; false, committing nothing, if the claim
   * was lost meanwhile.
   */
  commitSensor(claim: SensorClaim, outcome: SensorOutcome, at: Date): Promise<boolean>;
  /** Records a failed evaluation (the cursor stays) and releases the claim. */
  failSensor(claim: SensorClaim, error: string, at: Date): Promise<void>;

  /** What the automation conditions last requested, by partitionRefKey. */
  requestedTargets(): Promise<ReadonlyMap<string, string>>;

  /** Runs with one of `statuses` that ended after `after` (finish time, then id), oldest first. */
  runsEndedAfter(
    after: { readonly at: Date; readonly id: string } | undefined,
    statuses: readonly string[],
    limit: number,
  ): Promise<readonly EndedRun[]>;

  /** Claims undelivered alerts for delivery until `claimMs` from now. */
  claimAlerts(limit: number, claimMs: number): Promise<readonly PendingAlert[]>;
  /** Marks an alert delivered, or records why delivery failed (it is retried). */
  settleAlert(key: string, error: string | undefined): Promise<void>;

  /**
   * Deletes schedule ticks older than `cutoff` (each schedule keeps its latest, which `schedules`
   * shows) and alerts delivered before it; with `dryRun` counts them and changes nothing.
   */
  trim(cutoff: Date, dryRun: boolean): Promise<AutomationTrim>;
}

export interface AutomationTrim {
  readonly schedule_ticks: number;
  readonly alerts: number;
}
