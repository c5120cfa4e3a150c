// The rows of one committed materialization: the history row, its lineage and the current
// pointer, written inside the caller's transaction (a run's commit or a part-set commit).
import type { JsonValue } from "../../definitions/context.ts";
import type { ConsumedInput } from "../../definitions/version.ts";
import type { NewMaterialization } from "../metadata_store.ts";
import type { SqlClient } from "../../sql_client.ts";

/** Inserts the materialization and its inputs and moves the partition's pointer to it. */
export async function writeMaterialization(
  tx: SqlClient,
  m: Omit<NewMaterialization, "alongside">,
): Promise<void> {
  await tx.query(
    `insert into platform.materializations
       (id, run_id, asset_key, partition_key, data_version, code_version, input_signature,
        location, rows, bytes, metadata, started_at, committed_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9::bigint, $10::bigint, $11::text::jsonb,
             $12::timestamptz, $13::timestamptz)`,
    [
      m.id,
      m.runId,
      m.assetKey,
      m.partition,
      m.dataVersion,
      m.codeVersion,
      m.inputSignature,
      m.location,
      m.rows ?? null,
      m.bytes ?? null,
      toJson(m.metadata),
      m.startedAt,
      m.committedAt,
    ],
  );
  if (m.inputs.length > 0) {
    await tx.query(
      `insert into platform.materialization_inputs
         (materialization_id, ordinal, upstream_key, upstream_partition, data_version)
       select $1, i.ord, i.asset_key, i.partition, i.version
       from rows from (jsonb_to_recordset($2::text::jsonb)
         as (asset_key text, partition text, version text))
         with ordinality as i(asset_key, partition, version, ord)`,
      [m.id, JSON.stringify(m.inputs.map(toInputJson))],
    );
  }
  await tx.query(
    `insert into platform.asset_partitions
       (asset_key, partition_key, materialization_id, data_version, code_version,
        input_signature, location, rows, current_at,
        last_run_id, last_status, last_at, last_error)
     values ($1, $2, $3, $4, $5, $6, $7, $8::bigint, $9::timestamptz,
             $10, 'succeeded', $9::timestamptz, null)
     on conflict (asset_key, partition_key) do update set
       materialization_id = excluded.materialization_id,
       data_version = excluded.data_version, code_version = excluded.code_version,
       input_signature = excluded.input_signature, location = excluded.location,
       rows = excluded.rows, current_at = excluded.current_at,
       last_run_id = excluded.last_run_id, last_status = excluded.last_status,
       last_at = excluded.last_at, last_error = null`,
    [
      m.assetKey,
      m.partition,
      m.id,
      m.dataVersion,
      m.codeVersion,
      m.inputSignature,
      m.location,
      m.rows ?? null,
      m.committedAt,
      m.runId,
    ],
  );
}

function toInputJson(input: ConsumedInput): Record<string, string> {
  return { asset_key: input.assetKey, partition: input.partition, version: input.dataVersion };
}

function toJson(value: Readonly<Record<string, JsonValue>>): string {
  return JSON.stringify(value, (_key, v) => typeof v === "bigint" ? Number(v) : v);
}
