// The rows of one committed materialization: the history row, its lineage and the current
// pointer, written by platform.record_materialization() (migration 0008) inside the caller's
// transaction (a run's commit or a part-set commit), or alone with the release of the lease.
import type { JsonValue } from "../../definitions/context.ts";
import type { ConsumedInput } from "../../definitions/version.ts";
import type { NewMaterialization } from "../metadata_store.ts";
import type { SqlClient } from "../../sql_client.ts";
import { assertPackable } from "./packed_states.ts";

/** Inserts the materialization and its inputs and moves the partition's pointer to it. */
export async function writeMaterialization(tx: SqlClient, m: NewMaterialization): Promise<void> {
  await recordMaterialization(tx, m, false);
}

/**
 * With `releaseLease`, releases the run's lease and writes the rows in one statement; false,
 * with nothing written, when the run no longer held the lease.
 */
export async function recordMaterialization(
  sql: SqlClient,
  m: NewMaterialization,
  releaseLease: boolean,
): Promise<boolean> {
  const [{ recorded }] = await sql.query<{ recorded: boolean }>(
    `select platform.record_materialization($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::bigint,
       $11::bigint, $12::text::jsonb, $13::timestamptz, $14::timestamptz, $15::text::jsonb)
       as recorded`,
    [releaseLease, ...materializationArgs(m)],
  );
  return recorded;
}

/** Rejects a materialization whose keys, ids or versions would break the packed states. */
export function assertMaterializationPackable(m: NewMaterialization): void {
  assertPackable(m.assetKey, {
    partition: m.partition,
    "materialization id": m.id,
    "run id": m.runId,
    "data version": m.dataVersion,
    "code version": m.codeVersion,
    "input signature": m.inputSignature,
  });
}

/** record_materialization()'s arguments after p_release_lease, in its order. */
export function materializationArgs(m: NewMaterialization): unknown[] {
  return [
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
    JSON.stringify(m.inputs.map(toInputJson)),
  ];
}

function toInputJson(input: ConsumedInput): Record<string, string> {
  return { asset_key: input.assetKey, partition: input.partition, version: input.dataVersion };
}

function toJson(value: Readonly<Record<string, JsonValue>>): string {
  return JSON.stringify(value, (_key, v) => typeof v === "bigint" ? Number(v) : v);
}
