// Commits to a part-set pointer from outside a run's lease (StoreTransaction.commitPartSet): a
// stream appender adds a part, a compactor replaces parts by their merge. The pointer row stays
// locked until the caller's transaction ends, so appenders and compactors of one partition take
// turns and none loses a part another committed.
import { locationParts, partSetLocation } from "../../definitions/part_set.ts";
import { type ConsumedInput, type DataVersion, inputSignature } from "../../definitions/version.ts";
import { writeMaterialization } from "./materialization_rows.ts";
import type { PartSetCommit } from "../partition_store.ts";
import { assertPackable } from "./packed_states.ts";
import type { SqlClient } from "../../sql_client.ts";

/** Moves the pointer as `change` decides, inside `tx`; false when it decided not to. */
export async function commitPartSet(tx: SqlClient, commit: PartSetCommit): Promise<boolean> {
  assertPackable(commit.assetKey, {
    partition: commit.partition,
    "materialization id": commit.id,
    "run id": commit.runId,
    "code version": commit.codeVersion,
  });
  // The row must exist to be locked; an empty row is a partition never materialized.
  await tx.query(
    `insert into platform.asset_partitions (asset_key, partition_key) values ($1, $2)
     on conflict do nothing`,
    [commit.assetKey, commit.partition],
  );
  const [row] = await tx.query<CurrentRow>(
    `select materialization_id, location, data_version, rows::text as rows
     from platform.asset_partitions
     where asset_key = $1 and partition_key = $2 for update`,
    [commit.assetKey, commit.partition],
  );
  const current = row.location === null || row.data_version === null ? undefined : {
    parts: locationParts(row.location),
    dataVersion: row.data_version as DataVersion,
    rows: Number(row.rows ?? 0),
  };
  const next = commit.change(current);
  if (next === null) return false;
  assertPackable(commit.assetKey, { "data version": next.dataVersion });
  const inputs = next.inputs === "keep" ? await inputsOf(tx, row.materialization_id) : next.inputs;
  await writeMaterialization(tx, {
    id: commit.id,
    runId: commit.runId,
    assetKey: commit.assetKey,
    partition: commit.partition,
    dataVersion: next.dataVersion,
    codeVersion: commit.codeVersion,
    inputSignature: inputSignature(inputs),
    location: partSetLocation(next.parts),
    rows: next.rows,
    bytes: undefined,
    metadata: next.metadata,
    inputs,
    startedAt: commit.startedAt,
    committedAt: commit.committedAt,
  });
  return true;
}

interface CurrentRow {
  materialization_id: string | null;
  location: string | null;
  data_version: string | null;
  rows: string | null;
}

async function inputsOf(tx: SqlClient, id: string | null): Promise<ConsumedInput[]> {
  if (id === null) return [];
  const rows = await tx.query<{ upstream_key: string; upstream_partition: string; v: string }>(
    `select upstream_key, upstream_partition, data_version as v
     from platform.materialization_inputs where materialization_id = $1 order by ordinal`,
    [id],
  );
  return rows.map((r) => ({
    assetKey: r.upstream_key,
    partition: r.upstream_partition,
    dataVersion: r.v as DataVersion,
  }));
}
