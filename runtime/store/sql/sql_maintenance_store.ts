// MaintenanceStore over SQL: trims platform's history past the retention window, keeping what is
// current, and lists the lake locations still referenced.
import { locationParts } from "../../definitions/part_set.ts";
import type { SqlClient } from "../../sql_client.ts";
import type { MaintenanceStore, TrimmedTable } from "../maintenance_store.ts";

const TRIM_STATEMENTS: Readonly<Record<TrimmedTable, string>> = {
  // A current pointer keeps its materialization (and its lineage) whatever its age.
  // So does an alias, and so does every version an alias ever pointed at (rollback targets).
  materializations: `delete from platform.materializations m where m.committed_at < $1
    and not exists (select 1 from platform.asset_partitions p where p.materialization_id = m.id)
    and not exists (select 1 from platform.aliases a where a.materialization_id = m.id)
    and not exists (select 1 from platform.alias_moves v where v.to_materialization_id = m.id)`,
  run_logs: `delete from platform.run_logs l using platform.runs r
    where l.run_id = r.id and r.started_at < $1 and r.status <> 'running'`,
  runs: `delete from platform.runs r where r.started_at < $1 and r.status <> 'running'
    and not exists (select 1 from platform.materializations m where m.run_id = r.id)`,
  // The newest observation of each partition is its current version: kept.
  asset_observations: `delete from platform.asset_observations o where o.observed_at < $1
    and exists (select 1 from platform.asset_observations n where n.asset_key = o.asset_key
      and n.partition_key = o.partition_key and n.observed_at > o.observed_at)`,
  // The newest result of each check of each partition is what `assets` shows: kept.
  check_results: `delete from platform.check_results c where c.at < $1
    and exists (select 1 from platform.check_results n where n.asset_key = c.asset_key
      and n.partition_key = c.partition_key and n.check_name = c.check_name and n.at > c.at)`,
};

export class SqlMaintenanceStore implements MaintenanceStore {
  constructor(private readonly sql: SqlClient) {}

  async trim(cutoff: Date, dryRun: boolean): Promise<Record<TrimmedTable, number>> {
    if (!dryRun) return await this.sql.transaction((tx) => trimIn(tx, cutoff));
    // The same statements in a transaction that is always rolled back.
    let counts = {} as Record<TrimmedTable, number>;
    await this.sql.transaction(async (tx) => {
      counts = await trimIn(tx, cutoff);
      throw new RollBack();
    }).catch((error) => {
      if (!(error instanceof RollBack)) throw error;
    });
    return counts;
  }

  async referencedLocations(cutoff: Date): Promise<ReadonlySet<string>> {
    const rows = await this.sql.query<{ location: string }>(
      `select location from platform.asset_partitions where location is not null
       union select location from platform.materializations where committed_at >= $1
       union select m.location from platform.materializations m
         join platform.alias_moves v on v.to_materialization_id = m.id`,
      [cutoff.toISOString()],
    );
    return new Set(
      rows.flatMap((r) => locationParts(r.location).map((uri) => uri.replace(/\/$/, ""))),
    );
  }

  async inFlightSince(): Promise<Date | undefined> {
    const [{ since }] = await this.sql.query<{ since: Date | null }>(
      `select min(r.started_at) as since
       from platform.leases l join platform.runs r on r.id = l.run_id`,
    );
    return since ?? undefined;
  }
}

async function trimIn(tx: SqlClient, cutoff: Date): Promise<Record<TrimmedTable, number>> {
  const counts = {} as Record<TrimmedTable, number>;
  // Materializations before runs: a run is trimmed only once nothing points at it.
  for (const table of Object.keys(TRIM_STATEMENTS) as TrimmedTable[]) {
    const rows = await tx.query(`${TRIM_STATEMENTS[table]} returning 1`, [cutoff.toISOString()]);
    counts[table] = rows.length;
  }
  return counts;
}

class RollBack extends Error {}
