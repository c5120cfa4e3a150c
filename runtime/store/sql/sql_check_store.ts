// CheckStore over SQL: every check result in platform.check_results, with its first failing rows.
import type { AssetKey } from "../../definitions/asset_key.ts";
import type { CheckResult, CheckSeverity } from "../../definitions/check.ts";
import type { PartitionKey } from "../../partitions/partition_key.ts";
import type { SqlClient } from "../../sql_client.ts";
import type { CheckStore, RecordedCheck } from "../check_store.ts";
import type { MaterializationId } from "../partition_store.ts";
import type { RunId } from "../run_store.ts";
import { toJson } from "./json_param.ts";

export class SqlCheckStore implements CheckStore {
  constructor(private readonly sql: SqlClient) {}

  async recordCheckResults(
    runId: RunId,
    assetKey: AssetKey,
    partition: PartitionKey,
    materializationId: MaterializationId,
    results: readonly CheckResult[],
    at: Date,
  ): Promise<void> {
    if (results.length === 0) return;
    const payload = results.map((result) => ({
      name: result.name,
      severity: result.severity,
      passed: result.passed,
      message: result.message,
      failing_rows: result.failingRows ?? null,
      failing_count: result.failingCount ?? null,
    }));
    await this.sql.query(
      `insert into platform.check_results
         (run_id, asset_key, partition_key, materialization_id, check_name, severity, passed,
          message, failing_rows, failing_count, at)
       select $1, $2, $3, $4, r.name, r.severity, r.passed, r.message, r.failing_rows,
              r.failing_count, $6::timestamptz
       from rows from (jsonb_to_recordset($5::text::jsonb) as (
         name text, severity text, passed boolean, message text, failing_rows jsonb,
         failing_count bigint))
         with ordinality as r(name, severity, passed, message, failing_rows, failing_count, ord)
       order by r.ord`,
      [runId, assetKey, partition, materializationId, toJson(payload), at],
    );
  }

  async latestCheckResults(
    assetKey: AssetKey,
  ): Promise<ReadonlyMap<PartitionKey, readonly RecordedCheck[]>> {
    const rows = await this.sql.query<CheckRow>(
      `select distinct on (partition_key, check_name)
         partition_key, check_name, severity, passed, message, failing_rows,
         failing_count::float8 as failing_count, at
       from platform.check_results where asset_key = $1
       order by partition_key, check_name, at desc, id desc`,
      [assetKey],
    );
    const latest = new Map<PartitionKey, RecordedCheck[]>();
    for (const row of rows) {
      const partition = row.partition_key as PartitionKey;
      const list = latest.get(partition) ?? [];
      list.push(toCheck(row));
      latest.set(partition, list);
    }
    return latest;
  }
}

interface CheckRow {
  partition_key: string;
  check_name: string;
  severity: CheckSeverity;
  passed: boolean;
  message: string;
  failing_rows: unknown[] | null;
  failing_count: number | null;
  at: Date;
}

/** Optional fields stay absent rather than `undefined`, as the caller wrote them. */
function toCheck(row: CheckRow): RecordedCheck {
  return {
    name: row.check_name,
    severity: row.severity,
    passed: row.passed,
    message: row.message,
    ...(row.failing_rows === null ? {} : { failingRows: row.failing_rows }),
    ...(row.failing_count === null ? {} : { failingCount: row.failing_count }),
    at: row.at,
  };
}
