// RunQueueStore over SQL: platform.run_requests and platform.daemons. Claims lock the oldest
// queued rows with FOR UPDATE SKIP LOCKED, so daemons never wait for each other; a tag limit is
// decided under a transaction-scoped advisory lock on the tag, so two daemons cannot both take
// its last slot. Heartbeats and liveness use the database's clock.
import type { RunId } from "../ids.ts";
import type { RunRecord } from "../run_store.ts";
import type {
  DaemonId,
  DaemonRecord,
  DaemonStatus,
  HeartbeatResult,
  NewDaemon,
  NewRunRequest,
  OutsideRunFilter,
  QueueDepth,
  QueueTrim,
  ReapedRequest,
  RunQueueStore,
  RunRequestFilter,
  RunRequestId,
  RunRequestRecord,
  TagLimit,
} from "../run_queue_store.ts";
import { IN_PLACE_CLAIMER_PREFIX } from "../run_queue_store.ts";
import type { SqlClient } from "../../sql_client.ts";
import { toJson } from "./json_param.ts";
import { RUN_SELECT, type RunRow, toRun } from "./sql_run_store.ts";
import {
  insertRunRequests,
  RUN_REQUEST_COLUMNS,
  type RunRequestRow,
  toRunRequest,
} from "./run_request_rows.ts";

/** Queued rows a claim looks at, oldest first, before giving up for this round. */
const CLAIM_WINDOW = 8;
/** Advisory lock class of tag limits (any constant every daemon agrees on). */
const TAG_LOCK_CLASS = 731_025_205;

export class SqlRunQueueStore implements RunQueueStore {
  constructor(private readonly sql: SqlClient) {}

  enqueue(requests: readonly NewRunRequest[]): Promise<RunRequestId[]> {
    return this.sql.transaction((tx) => insertRunRequests(tx, requests));
  }

  async get(id: RunRequestId): Promise<RunRequestRecord | undefined> {
    if (!/^\d{1,18}$/.test(id)) return undefined;
    const rows = await this.sql.query<RunRequestRow>(
      `select ${RUN_REQUEST_COLUMNS} from platform.run_requests where id = $1::bigint`,
      [id],
    );
    return rows.length === 0 ? undefined : toRunRequest(rows[0]);
  }

  async list(filter: RunRequestFilter = {}): Promise<readonly RunRequestRecord[]> {
    const rows = await this.sql.query<RunRequestRow>(
      // Ordered by the table's bigint id, not the text column of the same name it selects.
      `select ${RUN_REQUEST_COLUMNS} from platform.run_requests r
       where ($1::text is null or status = any(select jsonb_array_elements_text($1::text::jsonb)))
         and ($2::text is null or origin = $2)
         and ($3::text is null or origin_name = $3)
         and ($4::text is null or daemon_id = $4)
       order by r.id desc limit $5`,
      [
        filter.statuses === undefined ? null : toJson(filter.statuses),
        filter.origin ?? null,
        filter.originName ?? null,
        filter.daemonId ?? null,
        filter.limit ?? 50,
      ],
    );
    return rows.map(toRunRequest);
  }

  async depth(): Promise<QueueDepth> {
    const [row] = await this.sql.query<QueueDepth>(
      `select count(*) filter (where status = 'queued')::int as queued,
              count(*) filter (where status = 'running')::int as running
       from platform.run_requests where status in ('queued', 'running')`,
    );
    return row;
  }

  async listRunsOutsideQueue(filter: OutsideRunFilter = {}): Promise<readonly RunRecord[]> {
    // A request lists its run (attachRun) before the run is recorded, so a request's run is
    // never seen here, even while it starts. An equality on the requests' run ids plans as one
    // hash anti join (a containment test per run scanned every request again: 9 s at 5,000).
    const rows = await this.sql.query<RunRow>(
      `${RUN_SELECT} u
       where ($1::text is null or u.status = any(select jsonb_array_elements_text($1::text::jsonb)))
         and not exists (select 1 from platform.run_requests r
                         cross join lateral jsonb_array_elements_text(r.run_ids) as e(id)
                         where e.id = u.id)
       order by u.started_at desc, u.id desc limit $2`,
      [filter.statuses === undefined ? null : toJson(filter.statuses), filter.limit ?? 50],
    );
    return rows.map(toRun);
  }

  async cancel(id: RunRequestId): Promise<boolean> {
    if (!/^\d{1,18}$/.test(id)) return false;
    // SET reads the row as it was: a queued request ends now, a running one is asked to stop.
    const rows = await this.sql.query(
      `update platform.run_requests set
         status = case when status = 'queued' then 'cancelled' else status end,
         finished_at = case when status = 'queued' then now() else finished_at end,
         cancel_requested = status = 'running',
         message = case when status = 'queued' then 'cancelled before it started'
                        else 'cancel requested' end
       where id = $1::bigint and (status = 'queued' or (status = 'running' and not cancel_requested))
       returning id`,
      [id],
    );
    return rows.length > 0;
  }

  async liveDaemons(): Promise<DaemonRecord[]> {
    const rows = await this.sql.query<DaemonRow>(
      `${DAEMON_SELECT} where status in ('running', 'stopping')
         and heartbeat_at + ttl_ms * interval '1 millisecond' >= now()
         and not starts_with(id, $1)
       order by started_at, id`,
      [IN_PLACE_CLAIMER_PREFIX],
    );
    return rows.map(toDaemon);
  }

  async listDaemons(limit: number): Promise<readonly DaemonRecord[]> {
    const rows = await this.sql.query<DaemonRow>(
      `${DAEMON_SELECT} order by started_at desc, id desc limit $1`,
      [limit],
    );
    return rows.map(toDaemon);
  }

  async registerDaemon(daemon: NewDaemon): Promise<void> {
    await this.sql.query(
      `insert into platform.daemons
         (id, host, pid, process_start, process_scope, started_at, heartbeat_at, ttl_ms, max_runs)
       values ($1, $2, $3, $4, $5, now(), now(), $6, $7)`,
      [
        daemon.id,
        daemon.host,
        daemon.pid,
        daemon.processStart ?? null,
        daemon.processScope ?? null,
        daemon.ttlMs,
        daemon.maxRuns,
      ],
    );
  }

  async heartbeat(id: DaemonId): Promise<HeartbeatResult> {
    const alive = await this.sql.query(
      `update platform.daemons set heartbeat_at = now()
       where id = $1 and status in ('running', 'stopping') returning id`,
      [id],
    );
    if (alive.length === 0) return { alive: false };
    const cancelled = await this.sql.query<{ id: string }>(
      `select r.id::text as id from platform.run_requests r
       where daemon_id = $1 and status = 'running' and cancel_requested order by r.id`,
      [id],
    );
    return { alive: true, cancelRequested: cancelled.map((row) => row.id as RunRequestId) };
  }

  async setDaemonStatus(id: DaemonId, status: "stopping" | "stopped", note?: string) {
    await this.sql.query(
      `update platform.daemons set status = $2, note = coalesce($3, note),
         stopped_at = case when $2 = 'stopped' then now() else stopped_at end
       where id = $1 and status in ('running', 'stopping')`,
      [id, status, note ?? null],
    );
  }

  async reapDeadDaemons(options: {
    readonly requeueLimit: number;
    readonly isDead?: (daemon: DaemonRecord) => string | undefined;
  }): Promise<readonly ReapedRequest[]> {
    const live = await this.sql.query<DaemonRow>(
      `${DAEMON_SELECT} where status in ('running', 'stopping') order by id`,
    );
    for (const daemon of live.map(toDaemon)) {
      const reason = daemon.lapsed
        ? `no heartbeat since ${daemon.heartbeatAt.toISOString()} (TTL ${daemon.ttlMs} ms)`
        : options.isDead?.(daemon);
      if (reason === undefined) continue;
      // Only from running or stopping, and compared with the database's clock again: a daemon
      // that heartbeat meanwhile is not declared dead on a stale read.
      await this.sql.query(
        `update platform.daemons set status = 'dead', stopped_at = now(), note = $2
         where id = $1 and status in ('running', 'stopping')
           and ($3 or heartbeat_at + ttl_ms * interval '1 millisecond' < now())`,
        [daemon.id, `declared dead: ${reason}`, !daemon.lapsed],
      );
    }
    return await this.sql.transaction((tx) => requeueOrphans(tx, options.requeueLimit));
  }

  async claim(
    daemonId: DaemonId,
    tagLimits: readonly TagLimit[],
  ): Promise<RunRequestRecord | undefined> {
    // One statement when the oldest queued request carries no limited tag (the common case);
    // else, or when that row is locked by another claimer, the transaction below decides.
    const fast = await this.sql.query<RunRequestRow>(
      `update platform.run_requests r set status = 'running', daemon_id = $1, claimed_by = $1,
         claimed_at = now(), claims = r.claims + 1, message = null
       from (select q.id as oldest, q.tags as oldest_tags from platform.run_requests q
             where q.status = 'queued' order by q.id for update skip locked limit 1) c
       where r.id = c.oldest
         and not jsonb_exists_any(c.oldest_tags,
                                  array(select jsonb_array_elements_text($2::text::jsonb)))
       returning ${RUN_REQUEST_COLUMNS}`,
      [daemonId, toJson(tagLimits.map((limit) => limit.key))],
    );
    if (fast.length > 0) return toRunRequest(fast[0]);
    return await this.sql.transaction(async (tx) => {
      const candidates = await tx.query<{ id: string; tags: Record<string, string> }>(
        `select r.id::text as id, r.tags from platform.run_requests r
         where r.status = 'queued' order by r.id
         for update skip locked limit $1`,
        [CLAIM_WINDOW],
      );
      for (const candidate of candidates) {
        if (!await withinTagLimits(tx, candidate.tags, tagLimits)) continue;
        const rows = await tx.query<RunRequestRow>(
          `update platform.run_requests set status = 'running', daemon_id = $2, claimed_by = $2,
             claimed_at = now(), claims = claims + 1, message = null
           where id = $1::bigint returning ${RUN_REQUEST_COLUMNS}`,
          [candidate.id, daemonId],
        );
        return toRunRequest(rows[0]);
      }
      return undefined;
    });
  }

  async claimInPlace(id: RunRequestId, claimedBy: string, claimer?: DaemonId) {
    const rows = await this.sql.query<RunRequestRow>(
      `update platform.run_requests set status = 'running', daemon_id = $3, claimed_by = $2,
         claimed_at = now(), claims = claims + 1, message = null
       where id = $1::bigint and status = 'queued' returning ${RUN_REQUEST_COLUMNS}`,
      [id, claimedBy, claimer ?? null],
    );
    return rows.length === 0 ? undefined : toRunRequest(rows[0]);
  }

  async attachRun(id: RunRequestId, claimedBy: string, runId: RunId): Promise<boolean> {
    const rows = await this.sql.query(
      `update platform.run_requests set run_id = $3, run_ids = run_ids || to_jsonb($3::text)
       where id = $1::bigint and claimed_by = $2 and status = 'running' returning id`,
      [id, claimedBy, runId],
    );
    return rows.length > 0;
  }

  async finish(
    id: RunRequestId,
    claimedBy: string,
    status: "succeeded" | "failed" | "cancelled",
    message: string | undefined,
  ): Promise<boolean> {
    const rows = await this.sql.query(
      `update platform.run_requests set status = $3, finished_at = now(), message = $4
       where id = $1::bigint and claimed_by = $2 and status = 'running' returning id`,
      [id, claimedBy, status, message ?? null],
    );
    return rows.length > 0;
  }

  trim(cutoff: Date, dryRun: boolean): Promise<QueueTrim> {
    return this.sql.transaction(async (tx) => {
      const ended = (r: string) =>
        `${r}.status in ('succeeded', 'failed', 'cancelled') and ${r}.finished_at < $1::timestamptz`;
      // A daemon goes once no request that stays names it.
      const unused = `d.status in ('stopped', 'dead')
        and coalesce(d.stopped_at, d.heartbeat_at) < $1::timestamptz
        and not exists (select 1 from platform.run_requests r
                        where r.daemon_id = d.id and not (${ended("r")}))`;
      const count = async (sql: string) => (await tx.query<{ n: number }>(sql, [cutoff]))[0].n;
      if (dryRun) {
        return {
          run_requests: await count(
            `select count(*)::int as n from platform.run_requests q where ${ended("q")}`,
          ),
          daemons: await count(`select count(*)::int as n from platform.daemons d where ${unused}`),
        };
      }
      const runRequests = await count(
        `with gone as (delete from platform.run_requests q where ${ended("q")} returning 1)
         select count(*)::int as n from gone`,
      );
      const daemons = await count(
        `with gone as (delete from platform.daemons d where ${unused} returning 1)
         select count(*)::int as n from gone`,
      );
      return { run_requests: runRequests, daemons };
    });
  }

  async release(id: RunRequestId, claimedBy: string, message: string): Promise<boolean> {
    const rows = await this.sql.query(
      `update platform.run_requests set status = 'queued', daemon_id = null, claimed_by = null,
         cancel_requested = false, message = $3
       where id = $1::bigint and claimed_by = $2 and status = 'running' returning id`,
      [id, claimedBy, message],
    );
    return rows.length > 0;
  }
}

/**
 * Whether one more request with `tags` fits every limit it falls under. Each limit's advisory
 * lock is tried, not waited for: a daemon deciding on the same tag right now means this one
 * leaves the request for its next round. The locks are held until the claim commits, so the
 * count below sees every claim of that tag committed before it.
 */
async function withinTagLimits(
  tx: Pick<SqlClient, "query">,
  tags: Readonly<Record<string, string>>,
  limits: readonly TagLimit[],
): Promise<boolean> {
  const applying = limits.filter((limit) =>
    limit.key in tags && (limit.value === undefined || tags[limit.key] === limit.value)
  );
  for (const limit of applying) {
    const name = limit.value === undefined ? limit.key : `${limit.key}=${limit.value}`;
    const [{ locked }] = await tx.query<{ locked: boolean }>(
      "select pg_try_advisory_xact_lock($1::int, hashtext($2)) as locked",
      [TAG_LOCK_CLASS, name],
    );
    if (!locked) return false;
    const [{ n }] = await tx.query<{ n: number }>(
      `select count(*)::int as n from platform.run_requests
       where status = 'running' and tags ->> $1 is not null
         and ($2::text is null or tags ->> $1 = $2)`,
      [limit.key, limit.value ?? null],
    );
    if (n >= limit.limit) return false;
  }
  return true;
}

/**
 * Every running request whose daemon is dead or stopped goes back to the queue (or fails once
 * re-queued `limit` times) and its run's leases are freed, in one transaction. A request run in
 * place whose run has ended (its process died after the run's end was recorded) takes the
 * run's outcome.
 */
async function requeueOrphans(
  tx: SqlClient,
  limit: number,
): Promise<ReapedRequest[]> {
  const orphans = await tx.query<{
    id: string;
    daemon_id: string;
    run_id: string | null;
    status: "queued" | "failed";
  }>(
    `update platform.run_requests r set
       status = case when r.requeues < $1 then 'queued' else 'failed' end,
       requeues = r.requeues + case when r.requeues < $1 then 1 else 0 end,
       finished_at = case when r.requeues < $1 then null else now() end,
       daemon_id = case when r.requeues < $1 then null else r.daemon_id end,
       claimed_by = case when r.requeues < $1 then null else r.claimed_by end,
       cancel_requested = false,
       message = case when r.requeues < $1
         then 'daemon ' || d.id || ' died (' || coalesce(d.note, 'dead') || '); re-queued, '
              || (r.requeues + 1) || ' of ' || $1
         else 'daemon ' || d.id || ' died (' || coalesce(d.note, 'dead') || '); not re-queued: '
              || 'it was re-queued ' || r.requeues || ' times already (limit ' || $1 || ')' end
     from platform.daemons d
     where r.status = 'running' and r.daemon_id = d.id and d.status in ('dead', 'stopped')
     returning r.id::text as id, d.id as daemon_id, r.run_id, r.status`,
    [limit],
  );
  const reaped: ReapedRequest[] = [];
  for (const orphan of orphans) {
    const freed = orphan.run_id === null ? [] : await tx.query(
      "delete from platform.leases where run_id = $1 returning 1",
      [orphan.run_id],
    );
    reaped.push({
      id: orphan.id as RunRequestId,
      daemonId: orphan.daemon_id as DaemonId,
      runId: (orphan.run_id ?? undefined) as RunId | undefined,
      status: orphan.status,
      leasesFreed: freed.length,
    });
  }
  await tx.query(
    `update platform.run_requests r set
       status = case when u.status = 'succeeded' then 'succeeded'
                     when u.status = 'cancelled' then 'cancelled' else 'failed' end,
       finished_at = coalesce(u.finished_at, now()),
       message = 'its process ended without recording the outcome; run ' || u.id || ' ' || u.status
     from platform.runs u
     where r.status = 'running' and r.daemon_id is null and r.run_id = u.id
       and u.status <> 'running'`,
  );
  return reaped;
}

const DAEMON_SELECT = `
  select id, host, pid, process_start, process_scope, started_at, heartbeat_at, ttl_ms, max_runs,
         status, stopped_at, note,
         heartbeat_at + ttl_ms * interval '1 millisecond' < now() as lapsed
  from platform.daemons`;

interface DaemonRow {
  id: string;
  host: string;
  pid: number;
  process_start: string | null;
  process_scope: string | null;
  started_at: Date;
  heartbeat_at: Date;
  ttl_ms: number;
  max_runs: number;
  status: DaemonStatus;
  stopped_at: Date | null;
  note: string | null;
  lapsed: boolean;
}

function toDaemon(row: DaemonRow): DaemonRecord {
  return {
    id: row.id as DaemonId,
    host: row.host,
    pid: row.pid,
    processStart: row.process_start ?? undefined,
    processScope: row.process_scope ?? undefined,
    ttlMs: row.ttl_ms,
    maxRuns: row.max_runs,
    status: row.status,
    startedAt: row.started_at,
    heartbeatAt: row.heartbeat_at,
    lapsed: row.lapsed,
    stoppedAt: row.stopped_at ?? undefined,
    note: row.note ?? undefined,
  };
}
