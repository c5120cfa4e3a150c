// AutomationStore over SQL: platform.automation_states, schedule_ticks, automation_requests and
// alerts. A schedule is evaluated with its state row locked (SKIP LOCKED: a daemon never waits
// for another), and each tick is inserted with ON CONFLICT DO NOTHING, so across daemons a tick
// is evaluated once. A sensor's cursor moves only with the claim token it was evaluated under.
import type { AssetKey } from "../../definitions/asset_key.ts";
import { partitionRefKey } from "../../definitions/partition_ref.ts";
import type { PartitionKey } from "../../partitions/partition_key.ts";
import type { SqlClient } from "../../sql_client.ts";
import type {
  AutomationKind,
  AutomationState,
  AutomationStore,
  AutomationTrim,
  EndedRun,
  PendingAlert,
  ScheduleEvaluation,
  ScheduleTick,
  SensorClaim,
  SensorOutcome,
  TickStatus,
} from "../automation_store.ts";
import type { RunId } from "../ids.ts";
import type { DaemonId, RunRequestId } from "../run_queue_store.ts";
import { toJson } from "./json_param.ts";
import { insertRunRequests } from "./run_request_rows.ts";

export class SqlAutomationStore implements AutomationStore {
  constructor(private readonly sql: SqlClient) {}

  async states(kind: AutomationKind): Promise<ReadonlyMap<string, AutomationState>> {
    const rows = await this.sql.query<StateRow>(
      `${STATE_SELECT} where kind = $1 order by name`,
      [kind],
    );
    return new Map(rows.map((row) => [row.name, toState(row)]));
  }

  async ensureStates(
    kind: AutomationKind,
    defaults: readonly { readonly name: string; readonly enabled: boolean }[],
    at: Date,
  ): Promise<void> {
    if (defaults.length === 0) return;
    await this.sql.query(
      `insert into platform.automation_states (kind, name, enabled, changed_at)
       select $1, d.name, d.enabled, $3::timestamptz
       from jsonb_to_recordset($2::text::jsonb) as d(name text, enabled boolean)
       on conflict (kind, name) do nothing`,
      [kind, toJson(defaults), at],
    );
  }

  async setEnabled(kind: AutomationKind, name: string, enabled: boolean, at: Date) {
    await this.sql.query(
      `insert into platform.automation_states as s (kind, name, enabled, changed_at)
       values ($1, $2, $3, $4::timestamptz)
       on conflict (kind, name) do update set enabled = excluded.enabled,
         changed_at = case when s.enabled = excluded.enabled then s.changed_at
                           else excluded.changed_at end`,
      [kind, name, enabled, at],
    );
  }

  evaluateSchedule(
    name: string,
    daemonId: DaemonId,
    at: Date,
    decide: (state: AutomationState) => ScheduleEvaluation,
  ): Promise<readonly ScheduleTick[]> {
    return this.sql.transaction(async (tx) => {
      const locked = await tx.query<StateRow>(
        `${STATE_SELECT} where kind = 'schedule' and name = $1 and enabled
         for update skip locked`,
        [name],
      );
      if (locked.length === 0) return [];
      const evaluation = decide(toState(locked[0]));
      const recorded: ScheduleTick[] = [];
      for (const tick of evaluation.ticks) {
        const inserted = await tx.query(
          `insert into platform.schedule_ticks
             (schedule_name, tick_at, evaluated_at, daemon_id, status, superseded, reason)
           values ($1, $2::timestamptz, $3::timestamptz, $4, $5, $6, $7)
           on conflict (schedule_name, tick_at) do nothing returning tick_at`,
          [name, tick.tickAt, at, daemonId, tick.status, tick.superseded, tick.reason ?? null],
        );
        if (inserted.length === 0) continue;
        const requestIds = await insertRunRequests(tx, tick.requests);
        if (requestIds.length > 0) {
          await tx.query(
            `update platform.schedule_ticks set request_ids = $3::text::jsonb
             where schedule_name = $1 and tick_at = $2::timestamptz`,
            [name, tick.tickAt, toJson(requestIds)],
          );
        }
        recorded.push({
          scheduleName: name,
          tickAt: tick.tickAt,
          status: tick.status,
          superseded: tick.superseded,
          reason: tick.reason,
          evaluatedAt: at,
          daemonId,
          requestIds,
        });
      }
      const last = recorded.at(-1);
      await tx.query(
        `update platform.automation_states set
           last_tick_at = greatest(last_tick_at, $2::timestamptz),
           last_evaluated_at = $3::timestamptz,
           last_skip_reason = case when $4::text is null then last_skip_reason else $5 end,
           last_requests = case when $4::text is null then last_requests else $6 end
         where kind = 'schedule' and name = $1`,
        [
          name,
          evaluation.lastTickAt ?? null,
          at,
          last === undefined ? null : last.status,
          last?.status === "requested" ? null : last?.reason ?? null,
          last?.requestIds.length ?? 0,
        ],
      );
      return recorded;
    });
  }

  async listTicks(scheduleName: string, limit: number): Promise<readonly ScheduleTick[]> {
    const rows = await this.sql.query<TickRow>(
      `select schedule_name, tick_at, evaluated_at, daemon_id, status, request_ids, superseded,
              reason
       from platform.schedule_ticks where schedule_name = $1 order by tick_at desc limit $2`,
      [scheduleName, limit],
    );
    return rows.map((row) => ({
      scheduleName: row.schedule_name,
      tickAt: row.tick_at,
      evaluatedAt: row.evaluated_at,
      daemonId: row.daemon_id as DaemonId,
      status: row.status,
      requestIds: row.request_ids as RunRequestId[],
      superseded: row.superseded,
      reason: row.reason ?? undefined,
    }));
  }

  async claimSensor(
    name: string,
    daemonId: DaemonId,
    at: Date,
    intervalMs: number,
    claimTtlMs: number,
  ): Promise<SensorClaim | undefined> {
    const token = crypto.randomUUID();
    const rows = await this.sql.query<{ cursor: string | null }>(
      `update platform.automation_states set claim_token = $2, claimed_by = $3,
         claim_expires_at = $4::timestamptz + $6::float8 * interval '1 millisecond'
       where kind = 'sensor' and name = $1 and enabled
         and (last_evaluated_at is null
              or last_evaluated_at + $5::float8 * interval '1 millisecond' <= $4::timestamptz)
         and (claim_expires_at is null or claim_expires_at <= $4::timestamptz)
       returning cursor`,
      [name, token, daemonId, at, intervalMs, claimTtlMs],
    );
    if (rows.length === 0) return undefined;
    return { name, token, cursor: rows[0].cursor ?? undefined, daemonId };
  }

  commitSensor(claim: SensorClaim, outcome: SensorOutcome, at: Date): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      const held = await tx.query(
        `update platform.automation_states set cursor = $3, last_evaluated_at = $4::timestamptz,
           last_skip_reason = $5, last_error = null, last_requests = $6,
           claim_token = null, claimed_by = null, claim_expires_at = null
         where kind = 'sensor' and name = $1 and claim_token = $2 returning name`,
        [
          claim.name,
          claim.token,
          outcome.cursor ?? null,
          at,
          outcome.skipReason ?? null,
          outcome.requests.length,
        ],
      );
      if (held.length === 0) return false;
      const ids = await insertRunRequests(tx, outcome.requests);
      if (outcome.alerts && outcome.alerts.length > 0) {
        await tx.query(
          `insert into platform.alerts (key, sensor, message, payload, created_at)
           select a.key, $2, a.message, coalesce(a.payload, '{}'::jsonb), $3::timestamptz
           from jsonb_to_recordset($1::text::jsonb) as a(key text, message text, payload jsonb)
           on conflict (key) do nothing`,
          [toJson(outcome.alerts), claim.name, at],
        );
      }
      if (outcome.targets && outcome.targets.length > 0) {
        const rows = outcome.targets.map((target) => ({
          asset_key: target.assetKey,
          partition_key: target.partition,
          fingerprint: target.fingerprint,
          request_id: ids[target.request],
        }));
        await tx.query(
          `insert into platform.automation_requests
             (asset_key, partition_key, fingerprint, request_id, requested_at)
           select t.asset_key, t.partition_key, t.fingerprint, t.request_id::bigint,
                  $2::timestamptz
           from jsonb_to_recordset($1::text::jsonb) as t(
             asset_key text, partition_key text, fingerprint text, request_id text)
           on conflict (asset_key, partition_key) do update set
             fingerprint = excluded.fingerprint, request_id = excluded.request_id,
             requested_at = excluded.requested_at`,
          [toJson(rows), at],
        );
      }
      return true;
    });
  }

  async failSensor(claim: SensorClaim, error: string, at: Date): Promise<void> {
    await this.sql.query(
      `update platform.automation_states set last_evaluated_at = $3::timestamptz,
         last_error = $4, last_requests = 0,
         claim_token = null, claimed_by = null, claim_expires_at = null
       where kind = 'sensor' and name = $1 and claim_token = $2`,
      [claim.name, claim.token, at, error],
    );
  }

  async requestedTargets(): Promise<ReadonlyMap<string, string>> {
    const rows = await this.sql.query<{
      asset_key: string;
      partition_key: string;
      fingerprint: string;
    }>("select asset_key, partition_key, fingerprint from platform.automation_requests");
    return new Map(
      rows.map((row) => [
        partitionRefKey(row.asset_key as AssetKey, row.partition_key as PartitionKey),
        row.fingerprint,
      ]),
    );
  }

  async runsEndedAfter(
    after: { readonly at: Date; readonly id: string } | undefined,
    statuses: readonly string[],
    limit: number,
  ): Promise<readonly EndedRun[]> {
    const rows = await this.sql.query<EndedRunRow>(
      `select id, status, command, selection, partitions, finished_at, summary
       from platform.runs
       where finished_at is not null
         and status = any(select jsonb_array_elements_text($1::text::jsonb))
         and ($2::timestamptz is null or (finished_at, id) > ($2::timestamptz, $3::text))
       order by finished_at, id limit $4`,
      [toJson(statuses), after?.at ?? null, after?.id ?? "", limit],
    );
    return rows.map((row) => ({
      id: row.id as RunId,
      status: row.status,
      command: row.command,
      selection: row.selection,
      partitions: row.partitions,
      finishedAt: row.finished_at,
      summary: row.summary,
    }));
  }

  async claimAlerts(limit: number, claimMs: number): Promise<readonly PendingAlert[]> {
    const rows = await this.sql.query<AlertRow>(
      `update platform.alerts a set attempts = a.attempts + 1,
         claimed_until = now() + $2::float8 * interval '1 millisecond'
       from (select key from platform.alerts
             where delivered_at is null and (claimed_until is null or claimed_until <= now())
             order by created_at, key for update skip locked limit $1) pending
       where a.key = pending.key
       returning a.key, a.sensor, a.message, a.payload, a.created_at, a.attempts`,
      [limit, claimMs],
    );
    return rows
      .sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || cmp(a.key, b.key))
      .map((row) => ({
        key: row.key,
        sensor: row.sensor,
        message: row.message,
        payload: row.payload,
        createdAt: row.created_at,
        attempts: row.attempts,
      }));
  }

  trim(cutoff: Date, dryRun: boolean): Promise<AutomationTrim> {
    const ticks = `from platform.schedule_ticks t where t.tick_at < $1::timestamptz
      and t.tick_at < (select max(l.tick_at) from platform.schedule_ticks l
                       where l.schedule_name = t.schedule_name)`;
    const alerts = "from platform.alerts a where a.delivered_at < $1::timestamptz";
    return this.sql.transaction(async (tx) => {
      const count = async (sql: string) => (await tx.query<{ n: number }>(sql, [cutoff]))[0].n;
      if (dryRun) {
        return {
          schedule_ticks: await count(`select count(*)::int as n ${ticks}`),
          alerts: await count(`select count(*)::int as n ${alerts}`),
        };
      }
      return {
        schedule_ticks: await count(
          `with gone as (delete ${ticks} returning 1) select count(*)::int as n from gone`,
        ),
        alerts: await count(
          `with gone as (delete ${alerts} returning 1) select count(*)::int as n from gone`,
        ),
      };
    });
  }

  async settleAlert(key: string, error: string | undefined): Promise<void> {
    await this.sql.query(
      `update platform.alerts set
         delivered_at = case when $2::text is null then now() else null end,
         last_error = $2, claimed_until = null
       where key = $1`,
      [key, error ?? null],
    );
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const STATE_SELECT = `
  select kind, name, enabled, changed_at, cursor, last_tick_at, last_evaluated_at,
         last_skip_reason, last_error, last_requests
  from platform.automation_states`;

interface StateRow {
  kind: AutomationKind;
  name: string;
  enabled: boolean;
  changed_at: Date;
  cursor: string | null;
  last_tick_at: Date | null;
  last_evaluated_at: Date | null;
  last_skip_reason: string | null;
  last_error: string | null;
  last_requests: number | null;
}

function toState(row: StateRow): AutomationState {
  return {
    kind: row.kind,
    name: row.name,
    enabled: row.enabled,
    changedAt: row.changed_at,
    cursor: row.cursor ?? undefined,
    lastTickAt: row.last_tick_at ?? undefined,
    lastEvaluatedAt: row.last_evaluated_at ?? undefined,
    lastSkipReason: row.last_skip_reason ?? undefined,
    lastError: row.last_error ?? undefined,
    lastRequests: row.last_requests ?? undefined,
  };
}

interface TickRow {
  schedule_name: string;
  tick_at: Date;
  evaluated_at: Date;
  daemon_id: string;
  status: TickStatus;
  request_ids: string[];
  superseded: number;
  reason: string | null;
}

interface EndedRunRow {
  id: string;
  status: string;
  command: string;
  selection: string;
  partitions: string;
  finished_at: Date;
  summary: Record<string, unknown>;
}

interface AlertRow {
  key: string;
  sensor: string;
  message: string;
  payload: Record<string, unknown>;
  created_at: Date;
  attempts: number;
}
