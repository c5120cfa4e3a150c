// LeaseStore over SQL: platform.leases, one row per leased asset partition. Expiry is compared
// with the database's clock, so workers on several machines agree on it.
import type { AssetKey } from "../../definitions/asset_key.ts";
import { RuntimeInvariantError } from "../../errors.ts";
import { displayPartition, type PartitionKey } from "../../partitions/partition_key.ts";
import type { SqlClient } from "../../sql_client.ts";
import type { ClaimResult, Lease, LeaseStore } from "../lease_store.ts";
import type { RunId } from "../run_store.ts";

export class SqlLeaseStore implements LeaseStore {
  constructor(private readonly sql: SqlClient) {}

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
      const holder = await leaseOf(this.sql, assetKey, partition);
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

  async releaseRun(runId: RunId): Promise<number> {
    const [{ n }] = await this.sql.query<{ n: number }>(
      `with released as (delete from platform.leases where run_id = $1 returning 1)
       select count(*)::int as n from released`,
      [runId],
    );
    return n;
  }

  async listLeases(): Promise<readonly Lease[]> {
    const rows = await this.sql.query<LeaseRow>(
      `${LEASE_SELECT} where l.expires_at > now() order by l.asset_key, l.partition_key`,
    );
    return rows.map(toLease);
  }
}

/** The lease row of one partition, live or expired. */
export async function leaseOf(
  sql: Pick<SqlClient, "query">,
  assetKey: AssetKey,
  partition: PartitionKey,
): Promise<Lease | undefined> {
  const rows = await sql.query<LeaseRow>(
    `${LEASE_SELECT} where l.asset_key = $1 and l.partition_key = $2`,
    [assetKey, partition],
  );
  return rows.length === 0 ? undefined : toLease(rows[0]);
}

// A lease names its run; the run row says which process that is.
const LEASE_SELECT = `
  select l.asset_key, l.partition_key, l.run_id, l.owner, l.expires_at,
         r.host, r.pid, r.process_start, r.process_scope
  from platform.leases l left join platform.runs r on r.id = l.run_id`;

export interface LeaseRow {
  asset_key: string;
  partition_key: string;
  run_id: string;
  owner: string;
  /** A Date, or epoch milliseconds from JSON. */
  expires_at: Date | number;
  host: string | null;
  pid: number | null;
  process_start: string | null;
  process_scope: string | null;
}

export function toLease(row: LeaseRow): Lease {
  return {
    assetKey: row.asset_key as AssetKey,
    partition: row.partition_key as PartitionKey,
    runId: row.run_id as RunId,
    owner: row.owner,
    holder: row.host === null || row.pid === null ? undefined : {
      host: row.host,
      pid: row.pid,
      start: row.process_start ?? undefined,
      scope: row.process_scope ?? undefined,
    },
    expiresAt: new Date(row.expires_at),
  };
}
