// Run request rows: the one insert every enqueue goes through (the queue's own, and a schedule's
// or sensor's inside its evaluation transaction) and the row → record mapping.
import type { RunId } from "../ids.ts";
import type {
  DaemonId,
  NewRunRequest,
  RunOrigin,
  RunRequestId,
  RunRequestKind,
  RunRequestRecord,
  RunRequestStatus,
} from "../run_queue_store.ts";
import type { SqlClient } from "../../sql_client.ts";
import { toJson } from "./json_param.ts";

type Query = Pick<SqlClient, "query">;

/**
 * Inserts `requests` in order and returns their ids; a request whose run key is already taken
 * (or repeated earlier in the batch) gets the existing id and inserts nothing. Ids are drawn
 * from the sequence first, so the batch's order is the ids' order.
 */
export async function insertRunRequests(
  sql: Query,
  requests: readonly NewRunRequest[],
): Promise<RunRequestId[]> {
  if (requests.length === 0) return [];
  const drawn = await sql.query<{ id: string }>(
    `select nextval(pg_get_serial_sequence('platform.run_requests', 'id'))::text as id
     from generate_series(1, $1::int)`,
    [requests.length],
  );
  const firstByKey = new Map<string, string>();
  const rows = requests.flatMap((request, i) => {
    const key = request.runKey;
    if (key !== undefined) {
      if (firstByKey.has(key)) return [];
      firstByKey.set(key, drawn[i].id);
    }
    return [{
      id: drawn[i].id,
      run_key: key ?? null,
      kind: request.kind,
      selection: request.selection,
      partitions: request.partitions ?? null,
      force: request.force ?? false,
      tags: request.tags,
      origin: request.origin,
      origin_name: request.originName ?? null,
      due_at: request.dueAt?.toISOString() ?? null,
    }];
  });
  const inserted = await sql.query<{ id: string }>(
    `insert into platform.run_requests
       (id, run_key, kind, selection, partitions, force, tags, origin, origin_name, due_at)
     select r.id::bigint, r.run_key, r.kind, r.selection, r.partitions, r.force,
            coalesce(r.tags, '{}'::jsonb), r.origin, r.origin_name, r.due_at::timestamptz
     from jsonb_to_recordset($1::text::jsonb) as r(
       id text, run_key text, kind text, selection text, partitions text, force boolean,
       tags jsonb, origin text, origin_name text, due_at text)
     order by r.id::bigint
     on conflict (run_key) do nothing
     returning id::text as id`,
    [toJson(rows)],
  );
  const insertedIds = new Set(inserted.map((row) => row.id));
  const missingKeys = [...firstByKey].filter(([, id]) => !insertedIds.has(id)).map(([k]) => k);
  const existing = new Map<string, string>();
  if (missingKeys.length > 0) {
    const found = await sql.query<{ id: string; run_key: string }>(
      `select id::text as id, run_key from platform.run_requests
       where run_key = any(select jsonb_array_elements_text($1::text::jsonb))`,
      [toJson(missingKeys)],
    );
    for (const row of found) existing.set(row.run_key, row.id);
  }
  return requests.map((request, i) => {
    const key = request.runKey;
    if (key === undefined) return drawn[i].id as RunRequestId;
    return (existing.get(key) ?? firstByKey.get(key)!) as RunRequestId;
  });
}

export const RUN_REQUEST_COLUMNS = `
  id::text as id, run_key, kind, selection, partitions, force, tags, origin, origin_name, status,
  cancel_requested, created_at, due_at, claimed_at, finished_at, daemon_id, claimed_by, run_id,
  run_ids, claims, requeues, message`;

export interface RunRequestRow {
  id: string;
  run_key: string | null;
  kind: RunRequestKind;
  selection: string;
  partitions: string | null;
  force: boolean;
  tags: Record<string, string>;
  origin: RunOrigin;
  origin_name: string | null;
  status: RunRequestStatus;
  cancel_requested: boolean;
  created_at: Date;
  due_at: Date | null;
  claimed_at: Date | null;
  finished_at: Date | null;
  daemon_id: string | null;
  claimed_by: string | null;
  run_id: string | null;
  run_ids: string[];
  claims: number;
  requeues: number;
  message: string | null;
}

export function toRunRequest(row: RunRequestRow): RunRequestRecord {
  return {
    id: row.id as RunRequestId,
    runKey: row.run_key ?? undefined,
    kind: row.kind,
    selection: row.selection,
    partitions: row.partitions ?? undefined,
    force: row.force,
    tags: row.tags,
    origin: row.origin,
    originName: row.origin_name ?? undefined,
    status: row.status,
    cancelRequested: row.cancel_requested,
    createdAt: row.created_at,
    dueAt: row.due_at ?? undefined,
    claimedAt: row.claimed_at ?? undefined,
    finishedAt: row.finished_at ?? undefined,
    daemonId: (row.daemon_id ?? undefined) as DaemonId | undefined,
    claimedBy: row.claimed_by ?? undefined,
    runId: (row.run_id ?? undefined) as RunId | undefined,
    runIds: row.run_ids as RunId[],
    claims: row.claims,
    requeues: row.requeues,
    message: row.message ?? undefined,
  };
}
