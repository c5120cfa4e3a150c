// The metadata store over any SqlClient: the same SQL runs on PGlite and on a Postgres server.
// Batches travel as one JSON parameter, so no statement depends on a driver's array encoding.
import type { AssetKey } from "../definitions/asset_key.ts";
import type { CheckResult, CheckSeverity } from "../definitions/check.ts";
import type { JsonValue } from "../definitions/context.ts";
import { RuntimeInvariantError } from "../errors.ts";
import type { LogEvent, LogLevel } from "../logger.ts";
import { displayPartition, type PartitionKey } from "../partitions/partition_key.ts";
import type { CodeVersion, ConsumedInput, DataVersion, InputSignature } from "../definitions/version.ts";
import {
  type ClaimResult,
  type CurrentPointer,
  type LastAttempt,
  type Lease,
  type MaterializationId,
  type MaterializationRecord,
  type MetadataStore,
  type NewMaterialization,
  type NewRun,
  type PartitionRef,
  type PartitionState,
  pointerKey,
  type RunId,
  type RunRecord,
  type RunStatus,
  type StateIndex,
  type StepRecord,
  type StepStatus,
} from "./metadata_store.ts";
import { writeMaterialization } from "./materialization_rows.ts";
import { migrate } from "./migrate.ts";
import { assertPackable, LOAD_STATES_SQL, type PackedRow, unpackStates } from "./packed_states.ts";
import type { SqlClient } from "../sql_client.ts";

type Json = Readonly<Record<string, JsonValue>>;
type LatestCheck = CheckResult & { readonly at: Date };

export class SqlMetadataStore implements MetadataStore {
  /** The database this store lives in; applications keep their own schemas beside `platform`. */
  get database(): SqlClient {
    return this.sql;
  }

  constructor(private readonly sql: SqlClient, private readonly migrationsDir?: URL) {}

  async migrate(): Promise<void> {
    await migrate(this.sql, this.migrationsDir);
  }

  // --- runs, steps and logs -------------------------------------------------------------------

  async startRun(run: NewRun): Promise<void> {
    await this.sql.query(
      `insert into platform.runs (id, command, selection, partitions, host, pid, started_at)
       values ($1, $2, $3, $4, $5, $6, $7::timestamptz)`,
      [run.id, run.command, run.selection, run.partitions, run.host, run.pid, run.startedAt],
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
    const latest = new Map(steps.map((step) => [`${step.assetKey}\u0000${step.partition}`, step]));
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

  // --- states, materializations and lineage ---------------------------------------------------

  /** One row per asset, its partitions packed server-side into one string (packed_states.ts). */
  async loadStates(): Promise<StateIndex> {
    const rows = await this.sql.query<PackedRow>(LOAD_STATES_SQL);
    const index = new Map<AssetKey, ReadonlyMap<PartitionKey, PartitionState>>();
    for (const row of rows) index.set(row.asset_key as AssetKey, unpackStates(row));
    return index;
  }

  async loadPointers(refs: readonly PartitionRef[]): Promise<ReadonlyMap<string, CurrentPointer>> {
    const pointers = new Map<string, CurrentPointer>();
    if (refs.length === 0) return pointers;
    const rows = await this.sql.query<PointerRow>(
      `select p.asset_key, p.partition_key, p.materialization_id, p.data_version, p.code_version,
              p.input_signature, p.location, p.rows::float8 as rows, p.current_at_ms::float8 as at
       from jsonb_to_recordset($1::text::jsonb) as r(k text, p text)
       join platform.asset_partitions p on p.asset_key = r.k and p.partition_key = r.p
       where p.data_version is not null`,
      [JSON.stringify(refs.map((ref) => ({ k: ref.assetKey, p: ref.partition })))],
    );
    for (const row of rows) {
      pointers.set(pointerKey(row.asset_key as AssetKey, row.partition_key as PartitionKey), {
        materializationId: (row.materialization_id ?? undefined) as MaterializationId | undefined,
        dataVersion: row.data_version as DataVersion,
        codeVersion: (row.code_version ?? undefined) as CodeVersion | undefined,
        inputSignature: (row.input_signature ?? undefined) as InputSignature | undefined,
        location: row.location ?? undefined,
        rows: row.rows ?? undefined,
        at: new Date(row.at),
      });
    }
    return pointers;
  }

  async loadInputs(
    ids: readonly MaterializationId[],
  ): Promise<ReadonlyMap<MaterializationId, readonly ConsumedInput[]>> {
    const inputs = new Map<MaterializationId, ConsumedInput[]>();
    if (ids.length === 0) return inputs;
    const rows = await this.sql.query<InputRow>(
      `select materialization_id, upstream_key, upstream_partition, data_version
       from platform.materialization_inputs
       where materialization_id in (select jsonb_array_elements_text($1::text::jsonb))
       order by materialization_id, ordinal`,
      [JSON.stringify(ids)],
    );
    for (const id of ids) inputs.set(id, []);
    for (const row of rows) {
      inputs.get(row.materialization_id as MaterializationId)?.push({
        assetKey: row.upstream_key,
        partition: row.upstream_partition,
        dataVersion: row.data_version as DataVersion,
      });
    }
    return inputs;
  }

  async getMaterialization(id: MaterializationId): Promise<MaterializationRecord | undefined> {
    const rows = await this.sql.query<MaterializationRow>(
      `${MATERIALIZATION_SELECT} where id = $1`,
      [id],
    );
    return (await this.withInputs(rows))[0];
  }

  async listMaterializations(
    assetKey: AssetKey,
    partition: PartitionKey,
    limit: number,
  ): Promise<readonly MaterializationRecord[]> {
    const rows = await this.sql.query<MaterializationRow>(
      `${MATERIALIZATION_SELECT}
       where asset_key = $1 and partition_key = $2
       order by committed_at desc, seq desc limit $3`,
      [assetKey, partition, limit],
    );
    return await this.withInputs(rows);
  }

  private async withInputs(rows: MaterializationRow[]): Promise<MaterializationRecord[]> {
    const inputs = await this.loadInputs(rows.map((row) => row.id as MaterializationId));
    return rows.map((row) => toMaterialization(row, inputs.get(row.id as MaterializationId) ?? []));
  }

  // --- leases ---------------------------------------------------------------------------------

  async claim(
    assetKey: AssetKey,
    partition: PartitionKey,
    runId: RunId,
    owner: string,
    ttlMs: number,
  ): Promise<ClaimResult> {
    // The holder we lost to can release between our two statements; then simply try again.
    for (let attempt = 0; attempt < 5; attempt++) {
      const claimed = await this.sql.query(
        `insert into platform.leases as l (asset_key, partition_key, run_id, owner, expires_at)
         values ($1, $2, $3, $4, now() + $5::float8 * interval '1 millisecond')
         on conflict (asset_key, partition_key) do update set
           run_id = excluded.run_id, owner = excluded.owner, expires_at = excluded.expires_at
         where l.expires_at <= now() or l.run_id = excluded.run_id
         returning run_id`,
        [assetKey, partition, runId, owner, ttlMs],
      );
      if (claimed.length > 0) return { claimed: true };
      const holder = await this.leaseOf(this.sql, assetKey, partition);
      if (holder) return { claimed: false, heldBy: holder };
    }
    throw new RuntimeInvariantError(
      `Cannot claim '${assetKey}' partition ${
        displayPartition(partition)
      }: its lease changed hands five times in a row; retry the run`,
      assetKey,
    );
  }

  async renewLeases(runId: RunId, ttlMs: number): Promise<number> {
    const [{ n }] = await this.sql.query<{ n: number }>(
      `with renewed as (
         update platform.leases set expires_at = now() + $2::float8 * interval '1 millisecond'
         where run_id = $1 returning 1)
       select count(*)::int as n from renewed`,
      [runId, ttlMs],
    );
    return n;
  }

  async release(assetKey: AssetKey, partition: PartitionKey, runId: RunId): Promise<void> {
    await this.sql.query(
      "delete from platform.leases where asset_key = $1 and partition_key = $2 and run_id = $3",
      [assetKey, partition, runId],
    );
  }

  async listLeases(): Promise<readonly Lease[]> {
    const rows = await this.sql.query<LeaseRow>(
      `${LEASE_SELECT} where expires_at > now() order by asset_key, partition_key`,
    );
    return rows.map(toLease);
  }

  private async leaseOf(
    sql: SqlClient,
    assetKey: AssetKey,
    partition: PartitionKey,
  ): Promise<Lease | undefined> {
    const rows = await sql.query<LeaseRow>(
      `${LEASE_SELECT} where asset_key = $1 and partition_key = $2`,
      [assetKey, partition],
    );
    return rows.length === 0 ? undefined : toLease(rows[0]);
  }

  // --- attempts and commits -------------------------------------------------------------------

  async recordAttempt(
    assetKey: AssetKey,
    partition: PartitionKey,
    attempt: LastAttempt,
  ): Promise<void> {
    assertPackable(assetKey, { partition, "run id": attempt.runId });
    await this.sql.query(
      `insert into platform.asset_partitions
         (asset_key, partition_key, last_run_id, last_status, last_at, last_error)
       values ($1, $2, $3, $4, $5::timestamptz, $6)
       on conflict (asset_key, partition_key) do update set
         last_run_id = excluded.last_run_id, last_status = excluded.last_status,
         last_at = excluded.last_at, last_error = excluded.last_error`,
      [assetKey, partition, attempt.runId, attempt.status, attempt.at, attempt.error ?? null],
    );
  }

  async commitMaterialization(m: NewMaterialization): Promise<void> {
    assertPackable(m.assetKey, {
      partition: m.partition,
      "materialization id": m.id,
      "run id": m.runId,
      "data version": m.dataVersion,
      "code version": m.codeVersion,
      "input signature": m.inputSignature,
    });
    await this.sql.transaction(async (tx) => {
      // Deleting our own lease row first both proves we still hold it and locks the partition
      // against a claimer until this transaction ends.
      const released = await tx.query(
        `delete from platform.leases
         where asset_key = $1 and partition_key = $2 and run_id = $3 returning run_id`,
        [m.assetKey, m.partition, m.runId],
      );
      if (released.length === 0) throw await this.lostLease(tx, m);
      await m.alongside?.(tx);
      await writeMaterialization(tx, m);
    });
  }

  private async lostLease(tx: SqlClient, m: NewMaterialization): Promise<RuntimeInvariantError> {
    const holder = await this.leaseOf(tx, m.assetKey, m.partition);
    const where = `'${m.assetKey}' partition ${displayPartition(m.partition)}`;
    const why = holder
      ? `the lease is held by run ${holder.runId} (${holder.owner})`
      : "it holds no lease on it (claim() the partition first)";
    return new RuntimeInvariantError(
      `Cannot commit materialization ${m.id} of ${where} for run ${m.runId}: ${why}; the old version stays current and the run should retry`,
      m.assetKey,
    );
  }

  // --- observations and checks ----------------------------------------------------------------

  async recordObservation(
    assetKey: AssetKey,
    versions: ReadonlyMap<PartitionKey, DataVersion>,
    metadata: Json,
    at: Date,
  ): Promise<number> {
    if (versions.size === 0) return 0;
    for (const [partition, version] of versions) {
      assertPackable(assetKey, { partition, "data version": version });
    }
    const [{ changed }] = await this.sql.query<{ changed: number }>(
      `with observed as (
         select key as partition_key, value as data_version from jsonb_each_text($2::text::jsonb)
       ),
       moved as (
         insert into platform.asset_partitions as p
           (asset_key, partition_key, materialization_id, data_version, current_at)
         select $1, partition_key, null, data_version, $4::timestamptz from observed
         on conflict (asset_key, partition_key) do update set
           materialization_id = null, data_version = excluded.data_version,
           code_version = null, input_signature = null, location = null, rows = null,
           current_at = excluded.current_at
         where p.data_version is distinct from excluded.data_version
         returning partition_key, data_version
       ),
       history as (
         insert into platform.asset_observations
           (asset_key, partition_key, data_version, metadata, observed_at)
         select $1, partition_key, data_version, $3::text::jsonb, $4::timestamptz from moved
       )
       select count(*)::int as changed from moved`,
      [assetKey, JSON.stringify(Object.fromEntries(versions)), toJson(metadata), at],
    );
    return changed;
  }

  async recordCheckResults(
    runId: RunId,
    assetKey: AssetKey,
    partition: PartitionKey,
    materializationId: MaterializationId,
    results: readonly CheckResult[],
    at: Date,
  ): Promise<void> {
    if (results.length === 0) return;
    const payload = results.map((result) => ({
      name: result.name,
      severity: result.severity,
      passed: result.passed,
      message: result.message,
      failing_rows: result.failingRows ?? null,
      failing_count: result.failingCount ?? null,
    }));
    await this.sql.query(
      `insert into platform.check_results
         (run_id, asset_key, partition_key, materialization_id, check_name, severity, passed,
          message, failing_rows, failing_count, at)
       select $1, $2, $3, $4, r.name, r.severity, r.passed, r.message, r.failing_rows,
              r.failing_count, $6::timestamptz
       from rows from (jsonb_to_recordset($5::text::jsonb) as (
         name text, severity text, passed boolean, message text, failing_rows jsonb,
         failing_count bigint))
         with ordinality as r(name, severity, passed, message, failing_rows, failing_count, ord)
       order by r.ord`,
      [runId, assetKey, partition, materializationId, toJson(payload), at],
    );
  }

  async latestCheckResults(
    assetKey: AssetKey,
  ): Promise<ReadonlyMap<PartitionKey, readonly LatestCheck[]>> {
    const rows = await this.sql.query<CheckRow>(
      `select distinct on (partition_key, check_name)
         partition_key, check_name, severity, passed, message, failing_rows,
         failing_count::float8 as failing_count, at
       from platform.check_results where asset_key = $1
       order by partition_key, check_name, at desc, id desc`,
      [assetKey],
    );
    const latest = new Map<PartitionKey, LatestCheck[]>();
    for (const row of rows) {
      const partition = row.partition_key as PartitionKey;
      const list = latest.get(partition) ?? [];
      list.push(toCheck(row));
      latest.set(partition, list);
    }
    return latest;
  }

  async close(): Promise<void> {
    await this.sql.close();
  }
}

// --- SQL and row mapping ------------------------------------------------------------------------

const RUN_SELECT = `
  select id, command, selection, partitions, host, pid, status, started_at, finished_at, summary
  from platform.runs`;

interface RunRow {
  id: string;
  command: string;
  selection: string;
  partitions: string;
  host: string;
  pid: number;
  status: RunStatus;
  started_at: Date;
  finished_at: Date | null;
  summary: Record<string, JsonValue>;
}

function toRun(row: RunRow): RunRecord {
  return {
    id: row.id as RunId,
    command: row.command,
    selection: row.selection,
    partitions: row.partitions,
    host: row.host,
    pid: row.pid,
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

interface InputRow {
  materialization_id: string;
  upstream_key: string;
  upstream_partition: string;
  data_version: string;
}

interface PointerRow {
  asset_key: string;
  partition_key: string;
  materialization_id: string | null;
  data_version: string;
  code_version: string | null;
  input_signature: string | null;
  location: string | null;
  rows: number | null;
  at: number;
}

const MATERIALIZATION_SELECT = `
  select id, run_id, asset_key, partition_key, data_version, code_version, input_signature,
         location, rows::float8 as rows, bytes::float8 as bytes, metadata, started_at,
         committed_at
  from platform.materializations`;

interface MaterializationRow {
  id: string;
  run_id: string;
  asset_key: string;
  partition_key: string;
  data_version: string;
  code_version: string;
  input_signature: string;
  location: string;
  rows: number | null;
  bytes: number | null;
  metadata: Record<string, JsonValue>;
  started_at: Date;
  committed_at: Date;
}

function toMaterialization(
  row: MaterializationRow,
  inputs: readonly ConsumedInput[],
): MaterializationRecord {
  return {
    id: row.id as MaterializationId,
    runId: row.run_id as RunId,
    assetKey: row.asset_key as AssetKey,
    partition: row.partition_key as PartitionKey,
    dataVersion: row.data_version as DataVersion,
    codeVersion: row.code_version as CodeVersion,
    inputSignature: row.input_signature as InputSignature,
    location: row.location,
    rows: row.rows ?? undefined,
    bytes: row.bytes ?? undefined,
    metadata: row.metadata,
    inputs,
    startedAt: row.started_at,
    committedAt: row.committed_at,
  };
}

const LEASE_SELECT = `
  select asset_key, partition_key, run_id, owner, expires_at from platform.leases`;

interface LeaseRow {
  asset_key: string;
  partition_key: string;
  run_id: string;
  owner: string;
  expires_at: Date;
}

function toLease(row: LeaseRow): Lease {
  return {
    assetKey: row.asset_key as AssetKey,
    partition: row.partition_key as PartitionKey,
    runId: row.run_id as RunId,
    owner: row.owner,
    expiresAt: row.expires_at,
  };
}

interface CheckRow {
  partition_key: string;
  check_name: string;
  severity: CheckSeverity;
  passed: boolean;
  message: string;
  failing_rows: unknown[] | null;
  failing_count: number | null;
  at: Date;
}

/** Optional fields stay absent rather than `undefined`, as the caller wrote them. */
function toCheck(row: CheckRow): LatestCheck {
  return {
    name: row.check_name,
    severity: row.severity,
    passed: row.passed,
    message: row.message,
    ...(row.failing_rows === null ? {} : { failingRows: row.failing_rows }),
    ...(row.failing_count === null ? {} : { failingCount: row.failing_count }),
    at: row.at,
  };
}

/** JSON for a jsonb parameter; bigint values (a row count from a driver) become numbers. */
function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v) => typeof v === "bigint" ? Number(v) : v,
  );
}
