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

  async listLeases(): Promise<readonly Lease[]> {
    const rows = await this.sql.query<LeaseRow>(
      `${LEASE_SELECT} where expires_at > now() order by asset_key, partition_key`,
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
    `${LEASE_SELECT} where asset_key = $1 and partition_key = $2`,
    [assetKey, partition],
  );
  return rows.length === 0 ? undefined : toLease(rows[0]);
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
