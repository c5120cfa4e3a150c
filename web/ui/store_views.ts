// The store's records as the UI's view types: statuses, counts, the health bar's runs, checks,
// materializations, runs, steps and log lines. Pure functions, one per record kind.
import { runReason } from "../../runtime/automation/automation_views.ts";
import type { LogEvent } from "../../runtime/logger.ts";
import type { Status } from "../../runtime/staleness/status.ts";
import { describeCauseAt } from "../../runtime/staleness/status.ts";
import type { AssetStatusSummary } from "../../runtime/staleness/status_resolver.ts";
import { describeRunReasons, type StatusRun } from "../../runtime/staleness/status_runs.ts";
import type { PartitionsDefinition } from "../../runtime/partitions/definition.ts";
import type {
  MaterializationRecord,
  RecordedCheck,
  RunRecord,
  StepRecord,
} from "../../runtime/store/metadata_store.ts";
import {
  ASSET_STATUSES,
  type AssetStatus,
  type CheckResultView,
  type LogLine,
  type MaterializationView,
  type PartitionRow,
  type RunStatus,
  type RunStep,
  type RunSummary,
  type StatusRun as HealthRun,
} from "./ui_data.ts";

/**
 * A runtime status as the UI shows it: the same word. The UI's union must hold every runtime
 * status, so a status the runtime adds is a compile error here until the UI can draw it.
 */
export function uiStatus(status: Status): AssetStatus {
  return status;
}

export function uiCounts(counts: Readonly<Record<Status, number>>): Record<AssetStatus, number> {
  const all = Object.fromEntries(ASSET_STATUSES.map((s) => [s, 0])) as Record<AssetStatus, number>;
  for (const [status, n] of Object.entries(counts) as [Status, number][]) {
    all[uiStatus(status)] += n;
  }
  return all;
}

/** Every partition's status over the partition order, oldest first, run-length encoded. */
export function healthRuns(summary: AssetStatusSummary): HealthRun[] {
  const runs: [AssetStatus, number][] = [];
  for (const { status } of summary.partitions.values()) {
    const last = runs.at(-1);
    if (last && last[0] === status) last[1]++;
    else runs.push([uiStatus(status), 1]);
  }
  return runs;
}

export function partitionRow(
  partition: string,
  summary: AssetStatusSummary,
  current: { readonly dataVersion: string; readonly at: Date } | undefined,
): PartitionRow {
  const status = summary.partitions.get(partition as never)!;
  return {
    partition,
    status: uiStatus(status.status),
    reasons: status.causes.map((cause) => describeCauseAt(cause, partition as never)),
    dataVersion: current?.dataVersion,
    materializedAt: current?.at.toISOString(),
  };
}

/** Neighbouring partitions with one status and reason, as `deno task assets KEY` shows them. */
export function rangeRow(run: StatusRun, partitions: PartitionsDefinition): PartitionRow {
  return {
    partition: run.newest,
    oldest: run.oldest,
    count: run.count,
    status: uiStatus(run.status),
    reasons: [describeRunReasons(run, partitions)],
  };
}

export function checkView(partition: string, check: RecordedCheck): CheckResultView {
  return {
    name: check.name,
    severity: check.severity,
    passed: check.passed,
    partition,
    at: check.at.toISOString(),
    failingRowCount: check.failingCount ?? check.failingRows?.length ?? 0,
    firstFailingRows: (check.failingRows ?? []).map(asRow),
  };
}

function asRow(row: unknown): Readonly<Record<string, unknown>> {
  return row !== null && typeof row === "object" && !Array.isArray(row)
    ? row as Record<string, unknown>
    : { value: row };
}

export function materializationView(m: MaterializationRecord): MaterializationView {
  return {
    id: m.id,
    runId: m.runId,
    at: m.committedAt.toISOString(),
    dataVersion: m.dataVersion,
    codeVersion: m.codeVersion,
    rows: m.rows,
    durationMs: Math.max(0, m.committedAt.getTime() - m.startedAt.getTime()),
  };
}

/** A runtime run's status as the UI's word (a run in the store was never only queued). */
export function uiRunStatus(status: RunRecord["status"]): RunStatus {
  return status;
}

export function runSummaryView(run: RunRecord): RunSummary {
  return {
    id: run.id,
    status: uiRunStatus(run.status),
    selection: run.selection,
    // The executor records "all partitions", "partition 2026-11-01" or "partitions a..b".
    partitions: run.partitions === "all partitions" || run.partitions === ""
      ? undefined
      : run.partitions.replace(/^partitions? /, ""),
    trigger: run.command,
    queuedAt: run.startedAt.toISOString(),
    startedAt: run.startedAt.toISOString(),
    endedAt: run.finishedAt?.toISOString(),
    error: runReason(run) ?? undefined,
  };
}

export function stepView(step: StepRecord): RunStep {
  return {
    asset: step.assetKey,
    partition: step.partition,
    status: step.status,
    reason: step.reason === "" ? undefined : step.reason,
    durationMs: step.durationMs,
  };
}

/** A log event as a line; `seq` is its position in the run's log, from 1. */
export function logLineView(event: LogEvent, seq: number): LogLine {
  const asset = event.fields.asset;
  const partition = event.fields.partition;
  return {
    seq,
    at: event.at.toISOString(),
    level: event.level,
    message: event.message,
    ...(typeof asset === "string" && { asset }),
    ...(typeof partition === "string" && { partition }),
  };
}
