// PartitionStore over SQL: the current pointer per asset partition (platform.asset_partitions),
// the materialization history with its lineage, last attempts, and the commits that move them.
import type { AssetKey } from "../../definitions/asset_key.ts";
import type { JsonValue } from "../../definitions/context.ts";
import type { PartitionRef } from "../../definitions/partition_ref.ts";
import type {
  CodeVersion,
  ConsumedInput,
  DataVersion,
  InputSignature,
} from "../../definitions/version.ts";
import { ConcurrentChangeError, RuntimeInvariantError } from "../../errors.ts";
import { displayPartition, type PartitionKey } from "../../partitions/partition_key.ts";
import type { SqlClient } from "../../sql_client.ts";
import type {
  CommitOptions,
  Consumer,
  CurrentPointer,
  LastAttempt,
  MaterializationId,
  MaterializationRecord,
  NewMaterialization,
  PartitionStore,
  StateIndex,
  StoreTransaction,
} from "../partition_store.ts";
import type { RunId } from "../run_store.ts";
import { appTransaction } from "./app_transaction.ts";
import { moveAliasIn } from "./sql_alias_store.ts";
import { toJson } from "./json_param.ts";
import {
  assertMaterializationPackable,
  recordMaterialization,
  writeMaterialization,
} from "./materialization_rows.ts";
import { assertPackable } from "./packed_states.ts";
import { readStates } from "./sql_change_store.ts";
import { commitPartSet } from "./part_set_commit.ts";
import { parsedJson, type PointerJson, refsJson, toPointers } from "./pointer_json.ts";
import { leaseOf } from "./sql_lease_store.ts";

type Json = Readonly<Record<string, JsonValue>>;

export class SqlPartitionStore implements PartitionStore {
  constructor(private readonly sql: SqlClient) {}

  /** One row per asset, its partitions packed server-side into one string (packed_states.ts). */
  async loadStates(): Promise<StateIndex> {
    return (await readStates(this.sql, undefined)).states;
  }

  async loadPointers(refs: readonly PartitionRef[]): Promise<ReadonlyMap<string, CurrentPointer>> {
    if (refs.length === 0) return new Map();
    const [{ pointers }] = await this.sql.query<{ pointers: PointerJson[] | string }>(
      "select platform.pointers_of($1::text::jsonb) as pointers",
      [refsJson(refs)],
    );
    return toPointers(parsedJson(pointers));
  }

  async loadInputs(
    ids: readonly MaterializationId[],
  ): Promise<ReadonlyMap<MaterializationId, readonly ConsumedInput[]>> {
    const inputs = new Map<MaterializationId, ConsumedInput[]>();
    if (ids.length === 0) return inputs;
    const rows = await this.sql.query<InputRow>(
      `select materialization_id, upstream_key, upstream_partition, data_version
       from platform.materialization_inputs
       where materialization_id in (select jsonb_array_elements_text($1::text::jsonb))
       order by materialization_id, ordinal`,
      [JSON.stringify(ids)],
    );
    for (const id of ids) inputs.set(id, []);
    for (const row of rows) {
      inputs.get(row.materialization_id as MaterializationId)?.push({
        assetKey: row.upstream_key,
        partition: row.upstream_partition,
        dataVersion: row.data_version as DataVersion,
      });
    }
    return inputs;
  }

  async listConsumers(
    assetKey: AssetKey,
    partition: PartitionKey,
    limit: number,
  ): Promise<readonly Consumer[]> {
    // Inputs by their upstream (indexed), then each reader's own row, kept only while it is
    // still the current pointer of its partition: history that was replaced read nothing now.
    const rows = await this.sql.query<ConsumerRow>(
      `select m.asset_key, m.partition_key, m.id, i.data_version as read_version,
              p.data_version
       from platform.materialization_inputs i
       join platform.materializations m on m.id = i.materialization_id
       join platform.asset_partitions p
         on p.asset_key = m.asset_key and p.partition_key = m.partition_key
        and p.materialization_id = m.id
       where i.upstream_key = $1 and i.upstream_partition = $2
       order by m.asset_key, m.partition_key
       limit $3`,
      [assetKey, partition, limit],
    );
    return rows.map((row) => ({
      assetKey: row.asset_key as AssetKey,
      partition: row.partition_key as PartitionKey,
      materializationId: row.id as MaterializationId,
      readDataVersion: row.read_version as DataVersion,
      dataVersion: row.data_version as DataVersion,
    }));
  }

  async getMaterialization(id: MaterializationId): Promise<MaterializationRecord | undefined> {
    const rows = await this.sql.query<MaterializationRow>(
      `${MATERIALIZATION_SELECT} where id = $1`,
      [id],
    );
    return (await this.withInputs(rows))[0];
  }

  async listAssetMaterializations(
    assetKey: AssetKey,
    limit: number,
  ): Promise<readonly MaterializationRecord[]> {
    const rows = await this.sql.query<MaterializationRow>(
      `${MATERIALIZATION_SELECT}
       where asset_key = $1
       order by committed_at desc, seq desc limit $2`,
      [assetKey, limit],
    );
    return await this.withInputs(rows);
  }

  async listMaterializations(
    assetKey: AssetKey,
    partition: PartitionKey,
    limit: number,
  ): Promise<readonly MaterializationRecord[]> {
    const rows = await this.sql.query<MaterializationRow>(
      `${MATERIALIZATION_SELECT}
       where asset_key = $1 and partition_key = $2
       order by committed_at desc, seq desc limit $3`,
      [assetKey, partition, limit],
    );
    return await this.withInputs(rows);
  }

  private async withInputs(rows: MaterializationRow[]): Promise<MaterializationRecord[]> {
    const inputs = await this.loadInputs(rows.map((row) => row.id as MaterializationId));
    return rows.map((row) => toMaterialization(row, inputs.get(row.id as MaterializationId) ?? []));
  }

  async recordAttempt(
    assetKey: AssetKey,
    partition: PartitionKey,
    attempt: LastAttempt,
  ): Promise<void> {
    assertPackable(assetKey, { partition, "run id": attempt.runId });
    await this.sql.query(
      `insert into platform.asset_partitions
         (asset_key, partition_key, last_run_id, last_status, last_at, last_error)
       values ($1, $2, $3, $4, $5::timestamptz, $6)
       on conflict (asset_key, partition_key) do update set
         last_run_id = excluded.last_run_id, last_status = excluded.last_status,
         last_at = excluded.last_at, last_error = excluded.last_error`,
      [assetKey, partition, attempt.runId, attempt.status, attempt.at, attempt.error ?? null],
    );
  }

  async commitMaterialization(m: NewMaterialization, options: CommitOptions = {}): Promise<void> {
    assertMaterializationPackable(m);
    // Without commit-time work of its own, a commit is one statement (which releases the
    // lease, proving it was still held, and writes the rows); else one transaction.
    if (!options.inCommit && !options.moveAlias && !options.expectedCurrent) {
      if (!await recordMaterialization(this.sql, m, true)) throw await lostLease(this.sql, m);
      return;
    }
    await this.sql.transaction(async (tx) => {
      // Deleting our own lease row first both proves we still hold it and locks the partition
      // against a claimer until this transaction ends.
      const released = await tx.query(
        `delete from platform.leases
         where asset_key = $1 and partition_key = $2 and run_id = $3 returning run_id`,
        [m.assetKey, m.partition, m.runId],
      );
      if (released.length === 0) throw await lostLease(tx, m);
      if (options.expectedCurrent) await assertUnchanged(tx, m, options.expectedCurrent);
      await options.inCommit?.(appTransaction(tx));
      await writeMaterialization(tx, m);
      if (options.moveAlias) {
        await moveAliasIn(tx, {
          ...options.moveAlias,
          assetKey: m.assetKey,
          to: m.id,
          at: m.committedAt,
        });
      }
    });
  }

  transact<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    return this.sql.transaction((tx) =>
      work({
        commitPartSet: (commit) => commitPartSet(tx, commit),
        app: appTransaction(tx),
      })
    );
  }

  async recordObservation(
    assetKey: AssetKey,
    versions: ReadonlyMap<PartitionKey, DataVersion>,
    metadata: Json,
    at: Date,
  ): Promise<number> {
    if (versions.size === 0) return 0;
    for (const [partition, version] of versions) {
      assertPackable(assetKey, { partition, "data version": version });
    }
    const [{ changed }] = await this.sql.query<{ changed: number }>(
      `with observed as (
         select key as partition_key, value as data_version from jsonb_each_text($2::text::jsonb)
       ),
       moved as (
         insert into platform.asset_partitions as p
           (asset_key, partition_key, materialization_id, data_version, current_at)
         select $1, partition_key, null, data_version, $4::timestamptz from observed
         on conflict (asset_key, partition_key) do update set
           materialization_id = null, data_version = excluded.data_version,
           code_version = null, input_signature = null, location = null, rows = null,
           current_at = excluded.current_at
         where p.data_version is distinct from excluded.data_version
         returning partition_key, data_version
       ),
       history as (
         insert into platform.asset_observations
           (asset_key, partition_key, data_version, metadata, observed_at)
         select $1, partition_key, data_version, $3::text::jsonb, $4::timestamptz from moved
       )
       select count(*)::int as changed from moved`,
      [assetKey, JSON.stringify(Object.fromEntries(versions)), toJson(metadata), at],
    );
    return changed;
  }

  async currentVersions(assetKey: AssetKey): Promise<ReadonlyMap<PartitionKey, DataVersion>> {
    const rows = await this.sql.query<{ partition_key: string; data_version: string }>(
      `select partition_key, data_version from platform.asset_partitions
       where asset_key = $1 and data_version is not null order by partition_key`,
      [assetKey],
    );
    return new Map(
      rows.map((r) => [r.partition_key as PartitionKey, r.data_version as DataVersion]),
    );
  }
}

/** The error of a commit whose run no longer held the lease, naming who holds it now. */
export async function lostLease(
  tx: SqlClient,
  m: NewMaterialization,
): Promise<RuntimeInvariantError> {
  const holder = await leaseOf(tx, m.assetKey, m.partition);
  const where = `'${m.assetKey}' partition ${displayPartition(m.partition)}`;
  const why = holder
    ? `the lease is held by run ${holder.runId} (${holder.owner})`
    : "it holds no lease on it (claim() the partition first)";
  return new RuntimeInvariantError(
    `Cannot commit materialization ${m.id} of ${where} for run ${m.runId}: ${why}; the old version stays current and the run should retry`,
    m.assetKey,
  );
}

/** Throws ConcurrentChangeError unless the partition still points where the writer read it. */
async function assertUnchanged(
  tx: SqlClient,
  m: NewMaterialization,
  expected: { readonly materializationId: MaterializationId | undefined },
): Promise<void> {
  const [row] = await tx.query<{ materialization_id: string | null }>(
    `select materialization_id from platform.asset_partitions
     where asset_key = $1 and partition_key = $2 for update`,
    [m.assetKey, m.partition],
  );
  const current = row?.materialization_id ?? undefined;
  if (current === expected.materializationId) return;
  throw new ConcurrentChangeError(
    `${m.assetKey} ${displayPartition(m.partition)} changed while it was being rewritten (it ` +
      `now points at ${current ?? "nothing"}, not ${expected.materializationId ?? "nothing"}); ` +
      "the newer version stays current: run it again",
    m.assetKey,
  );
}

interface ConsumerRow {
  asset_key: string;
  partition_key: string;
  id: string;
  read_version: string;
  data_version: string;
}

interface InputRow {
  materialization_id: string;
  upstream_key: string;
  upstream_partition: string;
  data_version: string;
}

const MATERIALIZATION_SELECT = `
  select id, run_id, asset_key, partition_key, data_version, code_version, input_signature,
         location, rows::float8 as rows, bytes::float8 as bytes, metadata, started_at,
         committed_at
  from platform.materializations`;

interface MaterializationRow {
  id: string;
  run_id: string;
  asset_key: string;
  partition_key: string;
  data_version: string;
  code_version: string;
  input_signature: string;
  location: string;
  rows: number | null;
  bytes: number | null;
  metadata: Record<string, JsonValue>;
  started_at: Date;
  committed_at: Date;
}

function toMaterialization(
  row: MaterializationRow,
  inputs: readonly ConsumedInput[],
): MaterializationRecord {
  return {
    id: row.id as MaterializationId,
    runId: row.run_id as RunId,
    assetKey: row.asset_key as AssetKey,
    partition: row.partition_key as PartitionKey,
    dataVersion: row.data_version as DataVersion,
    codeVersion: row.code_version as CodeVersion,
    inputSignature: row.input_signature as InputSignature,
    location: row.location,
    rows: row.rows ?? undefined,
    bytes: row.bytes ?? undefined,
    metadata: row.metadata,
    inputs,
    startedAt: row.started_at,
    committedAt: row.committed_at,
  };
}
