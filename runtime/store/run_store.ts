// The store's answers about runs: a run's record, its step table and its log.
import type { AssetKey } from "../definitions/asset_key.ts";
import type { JsonValue } from "../definitions/context.ts";
import type { LogEvent } from "../logger.ts";
import type { PartitionKey } from "../partitions/partition_key.ts";
import type { MaterializationId, RunId } from "./ids.ts";

export type { RunId };

/** `abandoned`: its process died (kill -9, a lost machine) and another process noticed. */
export type RunStatus = "running" | "succeeded" | "failed" | "cancelled" | "abandoned";
/** A plan step's outcome in a run table. */
export type StepStatus = "succeeded" | "failed" | "skipped" | "cancelled";

export interface NewRun {
  readonly id: RunId;
  readonly command: string;
  readonly selection: string;
  readonly partitions: string;
  readonly host: string;
  readonly pid: number;
  /** The process's start time and pid scope (ProcessIdentity), so its death can be seen. */
  readonly processStart?: string;
  readonly processScope?: string;
  readonly startedAt: Date;
}

export interface RunRecord extends NewRun {
  readonly status: RunStatus;
  readonly finishedAt: Date | undefined;
  readonly summary: Readonly<Record<string, JsonValue>>;
}

/** A run still marked running, and whether it has missed its heartbeat deadline. */
export interface RunningRun {
  readonly run: RunRecord;
  /** Its heartbeat deadline passed (by the database's clock); false if it never set one. */
  readonly heartbeatLapsed: boolean;
}

export interface StepRecord {
  readonly assetKey: AssetKey;
  readonly partition: PartitionKey;
  readonly status: StepStatus;
  readonly attempts: number;
  readonly rows: number | undefined;
  readonly durationMs: number;
  readonly reason: string;
  readonly materializationId: MaterializationId | undefined;
}

export interface RunStore {
  startRun(run: NewRun): Promise<void>;
  finishRun(
    id: RunId,
    status: RunStatus,
    summary: Readonly<Record<string, JsonValue>>,
    at: Date,
  ): Promise<void>;
  getRun(id: RunId): Promise<RunRecord | undefined>;
  /** Moves a running run's heartbeat deadline to `ttlMs` from now; false if it is not running. */
  heartbeat(id: RunId, ttlMs: number): Promise<boolean>;
  /** Every run still marked running, oldest first. */
  listRunning(): Promise<readonly RunningRun[]>;
  /**
   * Marks a running run `abandoned` with the reason (its process is gone); false when it was
   * not running any more, so of several processes that notice, one records it.
   */
  abandonRun(id: RunId, reason: string, at: Date): Promise<boolean>;
  /** The newest runs first. */
  listRuns(limit: number): Promise<readonly RunRecord[]>;
  /** Steps recorded again for the same run and partition replace the earlier record. */
  recordSteps(runId: RunId, steps: readonly StepRecord[]): Promise<void>;
  listSteps(runId: RunId): Promise<readonly StepRecord[]>;
  appendLogs(runId: RunId, events: readonly LogEvent[]): Promise<void>;
  listLogs(runId: RunId): Promise<readonly LogEvent[]>;
}
