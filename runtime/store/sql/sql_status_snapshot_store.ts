// StatusSnapshotStore over SQL: platform.status_snapshot_set holds the one mark of the set,
// platform.status_snapshots a row per asset (migration 0011). A replace swaps the mark only from
// the one its reader saw, so two readers never mix their sets. The read with states takes the
// change feed's columns (change_xid, migration 0008) and loadStates()'s packing.
import type { AssetKey } from "../../definitions/asset_key.ts";
import { aliasPartition, type PartitionKey } from "../../partitions/partition_key.ts";
import type { SqlClient } from "../../sql_client.ts";
import type { ChangeMark } from "../change_store.ts";
import type {
  SnapshotWithStates,
  StatusSnapshotSet,
  StatusSnapshotStore,
} from "../status_snapshot_store.ts";
import { LazyPackedStates } from "./lazy_packed_states.ts";
import { aliasState, PACKED_STATES } from "./packed_states.ts";

export class SqlStatusSnapshotStore implements StatusSnapshotStore {
  constructor(private readonly sql: SqlClient) {}

  async read(): Promise<StatusSnapshotSet | undefined> {
    // One statement: the mark and the rows come from one snapshot of the database.
    const rows = await this.sql.query<SnapshotRow>(
      `select s.mark, a.asset_key, a.fingerprint, a.statuses
       from platform.status_snapshot_set s
       left join platform.status_snapshots a on true`,
    );
    if (rows.length === 0) return undefined;
    return {
      mark: rows[0].mark as ChangeMark,
      assets: rows.filter((row) => row.asset_key !== null).map((row) => ({
        assetKey: row.asset_key as AssetKey,
        fingerprint: row.fingerprint!,
        statuses: row.statuses!,
      })),
    };
  }

  async readWithStates(): Promise<SnapshotWithStates> {
    const rows = await this.sql.query<WithStatesRow>(WITH_STATES_SQL);
    const head = rows[0];
    const stored: StatusSnapshotSet | undefined = head.a === null ? undefined : {
      mark: head.a as ChangeMark,
      assets: rows.filter((row) => row.part === 1).map((row) => ({
        assetKey: row.asset_key as AssetKey,
        fingerprint: row.a!,
        statuses: row.b!,
      })),
    };
    const states = new Map<AssetKey, LazyPackedStates>();
    const changed = new Map<AssetKey, PartitionKey[]>();
    const changedOf = (key: AssetKey) => {
      let partitions = changed.get(key);
      if (!partitions) changed.set(key, partitions = []);
      return partitions;
    };
    for (const row of rows) {
      const key = row.asset_key as AssetKey;
      if (row.part === 2) {
        states.set(key, new LazyPackedStates({ asset_key: key, states: row.a! }));
      } else if (row.part === 4) {
        changedOf(key).push(...row.a!.split(RECORD) as PartitionKey[]);
      } else if (row.part === 3) {
        // An alias reads as the partition `@<alias>` of its asset, at the version it points at.
        let partitions = states.get(key);
        if (!partitions) states.set(key, partitions = new LazyPackedStates(undefined));
        const partition = aliasPartition(row.a!);
        partitions.add(partition, aliasState(row.b!, row.c!, row.d!));
        if (row.changed) changedOf(key).push(partition);
      }
    }
    return { stored, mark: head.mark as ChangeMark, states, changed };
  }

  replace(expected: ChangeMark | undefined, next: StatusSnapshotSet): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      // The set's row is the lock: a concurrent replace waits, then finds another mark.
      const swapped = expected === undefined
        ? await tx.query(
          `insert into platform.status_snapshot_set (id, mark) values (1, $1)
           on conflict (id) do nothing returning id`,
          [next.mark],
        )
        : await tx.query(
          `update platform.status_snapshot_set set mark = $1, written_at = now()
           where id = 1 and mark = $2 returning id`,
          [next.mark, expected],
        );
      if (swapped.length === 0) return false;
      await tx.query("delete from platform.status_snapshots");
      if (next.assets.length > 0) {
        await tx.query(
          `insert into platform.status_snapshots (asset_key, fingerprint, statuses)
           select k, f, s from jsonb_to_recordset($1::text::jsonb) as x(k text, f text, s text)`,
          [JSON.stringify(
            next.assets.map((a) => ({ k: a.assetKey, f: a.fingerprint, s: a.statuses })),
          )],
        );
      }
      return true;
    });
  }
}

const RECORD = "\x1e";

// One statement, so the set, the states and what changed since the set's mark all come from one
// snapshot, which is also the returned mark. Rows by part: 0 the mark and the set's mark (one
// row, a null set mark when none is stored), 1 the stored statuses, 2 per asset its packed
// states (a), 3 aliases (alias, data version, code version, moved at in epoch ms, whether
// written since), 4 per asset the partitions written since the set's mark (a, joined by U+001E;
// none without a set). A row was written since the mark when the mark's snapshot could not see
// its writer (as in sql_change_store.ts).
const WITH_STATES_SQL = `
  with since as (
    select pg_snapshot_xmax(mark::pg_snapshot) as xmax,
           array(select pg_snapshot_xip(mark::pg_snapshot)) as xip
    from platform.status_snapshot_set where id = 1
  )
  select 0 as part, pg_current_snapshot()::text as mark, null::text as asset_key,
         (select mark from platform.status_snapshot_set where id = 1) as a, null::text as b,
         null::text as c, null::float8 as d, null::boolean as changed
  union all
  select 1, null, asset_key, fingerprint, statuses, null, null, null
  from platform.status_snapshots
  union all
  select 2, null, asset_key, ${PACKED_STATES}, null, null, null, null
  from platform.asset_partitions
  group by asset_key
  union all
  select 3, null, a.asset_key, a.alias, ma.data_version, ma.code_version,
         (extract(epoch from a.moved_at) * 1000)::float8,
         coalesce(a.change_xid >= s.xmax or a.change_xid = any(s.xip), false)
  from platform.aliases a join platform.materializations ma on ma.id = a.materialization_id
  left join since s on true
  union all
  -- Scalar subqueries, not a join, so the change_xid index finds the few rows written since.
  select 4, null, asset_key, string_agg(partition_key, chr(30)), null, null, null, null
  from platform.asset_partitions
  where change_xid >= (select xmax from since)
     or change_xid = any(array(select unnest(xip) from since))
  group by asset_key
  order by part`;

interface WithStatesRow {
  part: number;
  mark: string | null;
  asset_key: string | null;
  a: string | null;
  b: string | null;
  c: string | null;
  d: number | null;
  changed: boolean | null;
}

interface SnapshotRow {
  mark: string;
  asset_key: string | null;
  fingerprint: string | null;
  statuses: string | null;
}
