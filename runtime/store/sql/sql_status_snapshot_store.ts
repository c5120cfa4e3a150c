// StatusSnapshotStore over SQL: platform.status_snapshot_set holds the one mark of the set,
// platform.status_snapshots a row per asset (migration 0011). A replace swaps the mark only from
// the one its reader saw, so two readers never mix their sets.
import type { AssetKey } from "../../definitions/asset_key.ts";
import type { SqlClient } from "../../sql_client.ts";
import type { ChangeMark } from "../change_store.ts";
import type { StatusSnapshotSet, StatusSnapshotStore } from "../status_snapshot_store.ts";

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

interface SnapshotRow {
  mark: string;
  asset_key: string | null;
  fingerprint: string | null;
  statuses: string | null;
}
