// RunStore over SQL: runs, their step tables and their logs in platform.runs, run_steps and
// run_logs.
import type { AssetKey } from "../../definitions/asset_key.ts";
import type { JsonValue } from "../../definitions/context.ts";
import { partitionRefKey } from "../../definitions/partition_ref.ts";
import { RuntimeInvariantError } from "../../errors.ts";
import type { LogEvent, LogLevel } from "../../logger.ts";
import type { PartitionKey } from "../../partitions/partition_key.ts";
import type { SqlClient } from "../../sql_client.ts";
import type { MaterializationId } from "../partition_store.ts";
import type {
  NewRun,
  RunId,
  RunningRun,
  RunRecord,
  RunStatus,
  RunStore,
  StepRecord,
  StepStatus,
} from "../run_store.ts";
import { toJson } from "./json_param.ts";

type Json = Readonly<Record<string, JsonValue>>;

export class SqlRunStore implements RunStore {
  constructor(private readonly sql: SqlClient) {}

  async startRun(run: NewRun): Promise<void> {
    await this.sql.query(
      `insert into platform.runs
         (id, command, selection, partitions, host, pid, process_start, process_scope, started_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9::timestamptz)`,
      [
        run.id,
        run.command,
        run.selection,
        run.partitions,
        run.host,
        run.pid,
        run.processStart ?? null,
        run.processScope ?? null,
        run.startedAt,
      ],
    );
  }

  async finishRun(id: RunId, status: RunStatus, summary: Json, at: Date): Promise<void> {
    const rows = await this.sql.query(
      `update platform.runs set status = $2, summary = $3::text::jsonb, finished_at = $4::timestamptz
       where id = $1 returning id`,
      [id, status, toJson(summary), at],
    );
    if (rows.length === 0) {
      throw new RuntimeInvariantError(
        `Cannot finish run '${id}': it was never started; call startRun() first`,
      );
    }
  }

  async getRun(id: RunId): Promise<RunRecord | undefined> {
    const rows = await this.sql.query<RunRow>(`${RUN_SELECT} where id = $1`, [id]);
    return rows.length === 0 ? undefined : toRun(rows[0]);
  }

  async heartbeat(id: RunId, ttlMs: number): Promise<boolean> {
    const rows = await this.sql.query(
      `update platform.runs set alive_until = now() + $2::float8 * interval '1 millisecond'
       where id = $1 and status = 'running' returning id`,
      [id, ttlMs],
    );
    return rows.length > 0;
  }

  async listRunning(): Promise<readonly RunningRun[]> {
    const rows = await this.sql.query<RunRow & { lapsed: boolean }>(
      `${RUN_SELECT_COLUMNS}, coalesce(alive_until < now(), false) as lapsed
       from platform.runs where status = 'running' order by started_at, id`,
    );
    return rows.map((row) => ({ run: toRun(row), heartbeatLapsed: row.lapsed }));
  }

  async abandonRun(id: RunId, reason: string, at: Date): Promise<boolean> {
    const rows = await this.sql.query(
      `update platform.runs
       set status = 'abandoned', finished_at = $3::timestamptz,
           summary = summary || jsonb_build_object('reason', $2::text)
       where id = $1 and status = 'running' returning id`,
      [id, reason, at],
    );
    return rows.length > 0;
  }

  async listRuns(limit: number): Promise<readonly RunRecord[]> {
    const rows = await this.sql.query<RunRow>(
      `${RUN_SELECT} order by started_at desc, id desc limit $1`,
      [limit],
    );
    return rows.map(toRun);
  }

  /** Steps recorded again for the same run and partition replace the earlier record. */
  async recordSteps(runId: RunId, steps: readonly StepRecord[]): Promise<void> {
    if (steps.length === 0) return;
    // One upsert cannot touch a row twice, so a partition listed twice keeps its last record.
    const latest = new Map(
      steps.map((step) => [partitionRefKey(step.assetKey, step.partition), step]),
    );
    const payload = [...latest.values()].map((step) => ({
      asset_key: step.assetKey,
      partition_key: step.partition,
      status: step.status,
      attempts: step.attempts,
      rows: step.rows ?? null,
      duration_ms: Math.round(step.durationMs),
      reason: step.reason,
      materialization_id: step.materializationId ?? null,
    }));
    await this.sql.query(
      `insert into platform.run_steps
         (run_id, asset_key, partition_key, status, attempts, rows, duration_ms, reason,
          materialization_id)
       select $1, s.asset_key, s.partition_key, s.status, s.attempts, s.rows, s.duration_ms,
              s.reason, s.materialization_id
       from rows from (jsonb_to_recordset($2::text::jsonb) as (
         asset_key text, partition_key text, status text, attempts integer, rows bigint,
         duration_ms bigint, reason text, materialization_id text))
         with ordinality as s(asset_key, partition_key, status, attempts, rows, duration_ms,
                              reason, materialization_id, ord)
       order by s.ord
       on conflict (run_id, asset_key, partition_key) do update set
         status = excluded.status, attempts = excluded.attempts, rows = excluded.rows,
         duration_ms = excluded.duration_ms, reason = excluded.reason,
         materialization_id = excluded.materialization_id`,
      [runId, JSON.stringify(payload)],
    );
  }

  async listSteps(runId: RunId): Promise<readonly StepRecord[]> {
    const rows = await this.sql.query<StepRow>(
      `select asset_key, partition_key, status, attempts, rows::float8 as rows,
              duration_ms::float8 as duration_ms, reason, materialization_id
       from platform.run_steps where run_id = $1 order by seq`,
      [runId],
    );
    return rows.map((row) => ({
      assetKey: row.asset_key as AssetKey,
      partition: row.partition_key as PartitionKey,
      status: row.status,
      attempts: row.attempts,
      rows: row.rows ?? undefined,
      durationMs: row.duration_ms,
      reason: row.reason,
      materializationId: (row.materialization_id ?? undefined) as MaterializationId | undefined,
    }));
  }

  async appendLogs(runId: RunId, events: readonly LogEvent[]): Promise<void> {
    if (events.length === 0) return;
    const payload = events.map((event) => ({
      at: event.at.toISOString(),
      level: event.level,
      message: event.message,
      fields: event.fields,
    }));
    await this.sql.query(
      `insert into platform.run_logs (run_id, at, level, message, fields)
       select $1, (e.value->>'at')::timestamptz, e.value->>'level', e.value->>'message',
              coalesce(e.value->'fields', '{}'::jsonb)
       from jsonb_array_elements($2::text::jsonb) with ordinality as e(value, ord)
       order by e.ord`,
      [runId, toJson(payload)],
    );
  }

  async listLogs(runId: RunId): Promise<readonly LogEvent[]> {
    const rows = await this.sql.query<
      { at: Date; level: LogLevel; message: string; fields: Record<string, unknown> }
    >(
      "select at, level, message, fields from platform.run_logs where run_id = $1 order by id",
      [runId],
    );
    return rows.map((row) => ({
      at: row.at,
      level: row.level,
      message: row.message,
      fields: row.fields,
    }));
  }
}

const RUN_SELECT_COLUMNS = `
  select id, command, selection, partitions, host, pid, process_start, process_scope, status,
         started_at, finished_at, summary`;
/** The columns of a run, `from platform.runs` (sql_run_queue_store.ts reads runs too). */
export const RUN_SELECT = `${RUN_SELECT_COLUMNS} from platform.runs`;

export interface RunRow {
  id: string;
  command: string;
  selection: string;
  partitions: string;
  host: string;
  pid: number;
  process_start: string | null;
  process_scope: string | null;
  status: RunStatus;
  started_at: Date;
  finished_at: Date | null;
  summary: Record<string, JsonValue>;
}

export function toRun(row: RunRow): RunRecord {
  return {
    id: row.id as RunId,
    command: row.command,
    selection: row.selection,
    partitions: row.partitions,
    host: row.host,
    pid: row.pid,
    // Absent rather than undefined, so a run recorded without them reads back as it was given.
    ...(row.process_start === null ? {} : { processStart: row.process_start }),
    ...(row.process_scope === null ? {} : { processScope: row.process_scope }),
    startedAt: row.started_at,
    status: row.status,
    finishedAt: row.finished_at ?? undefined,
    summary: row.summary,
  };
}

interface StepRow {
  asset_key: string;
  partition_key: string;
  status: StepStatus;
  attempts: number;
  rows: number | null;
  duration_ms: number;
  reason: string;
  materialization_id: string | null;
}
