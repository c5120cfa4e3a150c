// The store's answers about runs: a run's record, its step table and its log.
import type { AssetKey } from "../definitions/asset_key.ts";
import type { JsonValue } from "../definitions/context.ts";
import type { LogEvent } from "../logger.ts";
import type { PartitionKey } from "../partitions/partition_key.ts";
import type { MaterializationId, RunId } from "./ids.ts";

export type { RunId };

export type RunStatus = "running" | "succeeded" | "failed" | "cancelled";
/** A plan step's outcome in a run table. */
export type StepStatus = "succeeded" | "failed" | "skipped" | "cancelled";

export interface NewRun {
  readonly id: RunId;
  readonly command: string;
  readonly selection: string;
  readonly partitions: string;
  readonly host: string;
  readonly pid: number;
  readonly startedAt: Date;
}

export interface RunRecord extends NewRun {
  readonly status: RunStatus;
  readonly finishedAt: Date | undefined;
  readonly summary: Readonly<Record<string, JsonValue>>;
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
  /** The newest runs first. */
  listRuns(limit: number): Promise<readonly RunRecord[]>;
  /** Steps recorded again for the same run and partition replace the earlier record. */
  recordSteps(runId: RunId, steps: readonly StepRecord[]): Promise<void>;
  listSteps(runId: RunId): Promise<readonly StepRecord[]>;
  appendLogs(runId: RunId, events: readonly LogEvent[]): Promise<void>;
  listLogs(runId: RunId): Promise<readonly LogEvent[]>;
}
