// AliasStore over SQL: platform.aliases (where each alias points now) and platform.alias_moves
// (its history). A move locks the alias row, so concurrent moves serialize and a conditional
// one sees the other's result; on Postgres it is announced with NOTIFY for listeners.
import type { AssetKey } from "../../definitions/asset_key.ts";
import type { DataVersion } from "../../definitions/version.ts";
import { ConcurrentChangeError, RequestError } from "../../errors.ts";
import type { PartitionKey } from "../../partitions/partition_key.ts";
import type { SqlClient } from "../../sql_client.ts";
import {
  ALIAS_CHANNEL,
  type AliasMove,
  type AliasMoveRequest,
  type AliasStore,
  type AliasTarget,
} from "../alias_store.ts";
import type { MaterializationId } from "../ids.ts";

export class SqlAliasStore implements AliasStore {
  constructor(private readonly sql: SqlClient) {}

  async current(assetKey: AssetKey, alias: string): Promise<AliasTarget | undefined> {
    const rows = await this.sql.query<TargetRow>(
      `${TARGET_SELECT} where a.asset_key = $1 and a.alias = $2`,
      [assetKey, alias],
    );
    return rows.length === 0 ? undefined : toTarget(rows[0]);
  }

  async list(): Promise<readonly AliasTarget[]> {
    const rows = await this.sql.query<TargetRow>(`${TARGET_SELECT} order by a.asset_key, a.alias`);
    return rows.map(toTarget);
  }

  move(request: AliasMoveRequest): Promise<AliasMove> {
    return this.sql.transaction((tx) => moveAliasIn(tx, request));
  }

  async history(assetKey: AssetKey, alias: string, limit: number): Promise<readonly AliasMove[]> {
    const rows = await this.sql.query<MoveRow>(
      `select id::float8 as id, asset_key, alias, from_materialization_id,
              to_materialization_id, reason, moved_by, at
       from platform.alias_moves where asset_key = $1 and alias = $2
       order by id desc limit $3`,
      [assetKey, alias, limit],
    );
    return rows.map((row) => ({
      id: row.id,
      assetKey: row.asset_key as AssetKey,
      alias: row.alias,
      from: (row.from_materialization_id ?? undefined) as MaterializationId | undefined,
      to: row.to_materialization_id as MaterializationId,
      reason: row.reason,
      movedBy: row.moved_by,
      at: row.at,
    }));
  }
}

/**
 * Moves an alias inside the caller's transaction (a move of its own, or the commit of the
 * materialization it promotes): checks the target, locks the alias row, compares with
 * `expectedFrom`, points the alias, appends to its history and announces the move.
 */
export async function moveAliasIn(tx: SqlClient, request: AliasMoveRequest): Promise<AliasMove> {
  const [target] = await tx.query<{ asset_key: string }>(
    "select asset_key from platform.materializations where id = $1",
    [request.to],
  );
  if (target?.asset_key !== request.assetKey) {
    throw new RequestError(
      `Cannot point alias '${request.alias}' of ${request.assetKey} at ${request.to}: ` +
        (target === undefined
          ? "no such materialization (see `deno task models` for the versions)"
          : `it is a materialization of ${target.asset_key}`),
    );
  }
  // Lock the row (when there is one) so moves of one alias take turns.
  const [row] = await tx.query<{ materialization_id: string }>(
    `select materialization_id from platform.aliases
     where asset_key = $1 and alias = $2 for update`,
    [request.assetKey, request.alias],
  );
  const from = (row?.materialization_id ?? undefined) as MaterializationId | undefined;
  if (request.expectedFrom !== undefined && (request.expectedFrom ?? undefined) !== from) {
    throw new ConcurrentChangeError(
      `Alias '${request.alias}' of ${request.assetKey} moved meanwhile: it points at ${
        from ?? "nothing"
      }, not ${request.expectedFrom ?? "nothing"}; look again and retry`,
      request.assetKey,
    );
  }
  await tx.query(
    `insert into platform.aliases (asset_key, alias, materialization_id, moved_at)
     values ($1, $2, $3, $4::timestamptz)
     on conflict (asset_key, alias) do update set
       materialization_id = excluded.materialization_id, moved_at = excluded.moved_at`,
    [request.assetKey, request.alias, request.to, request.at],
  );
  const [{ id }] = await tx.query<{ id: number }>(
    `insert into platform.alias_moves
       (asset_key, alias, from_materialization_id, to_materialization_id, reason, moved_by, at)
     values ($1, $2, $3, $4, $5, $6, $7::timestamptz) returning id::float8 as id`,
    [
      request.assetKey,
      request.alias,
      from ?? null,
      request.to,
      request.reason,
      request.movedBy,
      request.at,
    ],
  );
  await tx.query("select pg_notify($1, $2)", [
    ALIAS_CHANNEL,
    JSON.stringify({ asset: request.assetKey, alias: request.alias, to: request.to }),
  ]);
  return {
    id,
    assetKey: request.assetKey,
    alias: request.alias,
    from,
    to: request.to,
    reason: request.reason,
    movedBy: request.movedBy,
    at: request.at,
  };
}

const TARGET_SELECT = `
  select a.asset_key, a.alias, a.materialization_id, m.partition_key, m.data_version,
         m.location, a.moved_at
  from platform.aliases a join platform.materializations m on m.id = a.materialization_id`;

interface TargetRow {
  asset_key: string;
  alias: string;
  materialization_id: string;
  partition_key: string;
  data_version: string;
  location: string;
  moved_at: Date;
}

function toTarget(row: TargetRow): AliasTarget {
  return {
    assetKey: row.asset_key as AssetKey,
    alias: row.alias,
    materializationId: row.materialization_id as MaterializationId,
    partition: row.partition_key as PartitionKey,
    dataVersion: row.data_version as DataVersion,
    location: row.location,
    movedAt: row.moved_at,
  };
}

interface MoveRow {
  id: number;
  asset_key: string;
  alias: string;
  from_materialization_id: string | null;
  to_materialization_id: string;
  reason: string;
  moved_by: string;
  at: Date;
}
