// ChangeStore over SQL: rows of asset_partitions and aliases carry the id of the transaction that
// last wrote them (change_xid, set by triggers of migration 0008). A read returns its own
// snapshot as the next mark, and the rows whose last writer the previous snapshot could not see:
// a transaction still open then, or begun after. Exact, whatever ran in between, and unlike a
// sequence drawn at write time, never ahead of a transaction that commits later.
import type { AssetKey } from "../../definitions/asset_key.ts";
import { aliasPartition, type PartitionKey } from "../../partitions/partition_key.ts";
import type { SqlClient } from "../../sql_client.ts";
import type { ChangeMark, ChangeStore, StateChanges } from "../change_store.ts";
import type { PartitionState, StateIndex } from "../partition_store.ts";
import { LazyPackedStates } from "./lazy_packed_states.ts";
import { aliasState, PACKED_STATES, unpackStates } from "./packed_states.ts";

export class SqlChangeStore implements ChangeStore {
  constructor(private readonly sql: SqlClient) {}

  statesSince(since: ChangeMark | undefined): Promise<StateChanges> {
    return readStates(this.sql, since);
  }

  /**
   * Kept packed (lazy_packed_states.ts): a status read after a commit asks these for a few
   * partitions of each asset, and unpacking a 100,000-partition asset whole cost most of it.
   */
  async statesOf(keys: readonly AssetKey[]): Promise<StateIndex> {
    if (keys.length === 0) return new Map();
    const rows = await this.sql.query<ChangeRow>(STATES_OF_SQL, [JSON.stringify(keys)]);
    const index = new Map<AssetKey, LazyPackedStates>();
    for (const row of rows) {
      const key = row.asset_key as AssetKey;
      if (row.alias === null) {
        index.set(key, new LazyPackedStates({ asset_key: key, states: row.states! }));
        continue;
      }
      let partitions = index.get(key);
      if (!partitions) index.set(key, partitions = new LazyPackedStates(undefined));
      partitions.add(
        aliasPartition(row.alias),
        aliasState(row.data_version!, row.code_version!, row.at!),
      );
    }
    return index;
  }
}

/** Every partition state written from `since` on (all of them without it), with the next mark. */
export async function readStates(
  sql: SqlClient,
  since: ChangeMark | undefined,
): Promise<StateChanges> {
  // One statement, so the mark and the rows come from one snapshot; the left join keeps the
  // mark when nothing changed. Snapshot '1:1:' sees no transaction at all.
  const rows = await sql.query<ChangeRow>(STATES_SINCE_SQL, [since ?? "1:1:"]);
  return { mark: rows[0].mark as ChangeMark, states: indexOf(rows) };
}

/** The state index of rows of STATES_SINCE_SQL's shape (partition rows before alias rows). */
function indexOf(rows: readonly ChangeRow[]): StateIndex {
  const index = new Map<AssetKey, Map<PartitionKey, PartitionState>>();
  for (const row of rows) {
    if (row.asset_key === null) continue;
    const key = row.asset_key as AssetKey;
    if (row.alias === null) {
      index.set(key, unpackStates({ asset_key: row.asset_key, states: row.states! }));
      continue;
    }
    // An alias reads as the partition `@<alias>` of its asset, at the version it points at.
    let partitions = index.get(key);
    if (!partitions) index.set(key, partitions = new Map());
    partitions.set(
      aliasPartition(row.alias),
      aliasState(row.data_version!, row.code_version!, row.at!),
    );
  }
  return index;
}

// The rows the mark's snapshot could not see: written by a transaction that had not begun
// (from its xmax on) or was still open (in its xip list); both are index scans, however old the
// oldest open transaction of the cluster is. Partition rows come first, so an alias joins its
// asset's map (see readStates).
const STATES_SINCE_SQL = `
  select m.mark, s.asset_key, s.states, s.alias, s.data_version, s.code_version, s.at
  from (select pg_current_snapshot()::text as mark) m
  left join lateral (
    select 0 as part, asset_key, ${PACKED_STATES} as states, null::text as alias,
           null::text as data_version, null::text as code_version, null::float8 as at
    from platform.asset_partitions
    where change_xid >= pg_snapshot_xmax($1::text::pg_snapshot)
       or change_xid = any(array(select pg_snapshot_xip($1::text::pg_snapshot)))
    group by asset_key
    union all
    select 1, a.asset_key, null, a.alias, ma.data_version, ma.code_version,
           (extract(epoch from a.moved_at) * 1000)::float8
    from platform.aliases a join platform.materializations ma on ma.id = a.materialization_id
    where a.change_xid >= pg_snapshot_xmax($1::text::pg_snapshot)
       or a.change_xid = any(array(select pg_snapshot_xip($1::text::pg_snapshot)))
  ) s on true
  order by s.part`;

// Every state of the assets in $1 (a JSON array of keys), in the shape of STATES_SINCE_SQL.
const STATES_OF_SQL = `
  select null as mark, asset_key, ${PACKED_STATES} as states, null::text as alias,
         null::text as data_version, null::text as code_version, null::float8 as at, 0 as part
  from platform.asset_partitions
  where asset_key in (select jsonb_array_elements_text($1::text::jsonb))
  group by asset_key
  union all
  select null, a.asset_key, null, a.alias, ma.data_version, ma.code_version,
         (extract(epoch from a.moved_at) * 1000)::float8, 1
  from platform.aliases a join platform.materializations ma on ma.id = a.materialization_id
  where a.asset_key in (select jsonb_array_elements_text($1::text::jsonb))
  order by part`;

interface ChangeRow {
  mark: string;
  asset_key: string | null;
  states: string | null;
  alias: string | null;
  data_version: string | null;
  code_version: string | null;
  at: number | null;
}
