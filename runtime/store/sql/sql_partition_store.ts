// PartitionStore over SQL: the current pointer per asset partition (platform.asset_partitions),
// the materialization history with its lineage, last attempts, and the commits that move them.
import type { AssetKey } from "../../definitions/asset_key.ts";
import type { JsonValue } from "../../definitions/context.ts";
import { type PartitionRef, partitionRefKey } from "../../definitions/partition_ref.ts";
import type {
  CodeVersion,
  ConsumedInput,
  DataVersion,
  InputSignature,
} from "../../definitions/version.ts";
import { ConcurrentChangeError, RuntimeInvariantError } from "../../errors.ts";
import {
  aliasPartition,
  displayPartition,
  type PartitionKey,
} from "../../partitions/partition_key.ts";
import type { SqlClient } from "../../sql_client.ts";
import type {
  CommitOptions,
  Consumer,
  CurrentPointer,
  LastAttempt,
  MaterializationId,
  MaterializationRecord,
  NewMaterialization,
  PartitionState,
  PartitionStore,
  StateIndex,
  StoreTransaction,
} from "../partition_store.ts";
import type { RunId } from "../run_store.ts";
import { appTransaction } from "./app_transaction.ts";
import { moveAliasIn } from "./sql_alias_store.ts";
import { toJson } from "./json_param.ts";
import { writeMaterialization } from "./materialization_rows.ts";
import { assertPackable, LOAD_STATES_SQL, type PackedRow, unpackStates } from "./packed_states.ts";
import { commitPartSet } from "./part_set_commit.ts";
import { leaseOf } from "./sql_lease_store.ts";

type Json = Readonly<Record<string, JsonValue>>;

export class SqlPartitionStore implements PartitionStore {
  constructor(private readonly sql: SqlClient) {}

  /** One row per asset, its partitions packed server-side into one string (packed_states.ts). */
  async loadStates(): Promise<StateIndex> {
    const [rows, aliases] = await Promise.all([
      this.sql.query<PackedRow>(LOAD_STATES_SQL),
      this.sql.query<AliasStateRow>(ALIAS_STATES_SQL),
    ]);
    const index = new Map<AssetKey, Map<PartitionKey, PartitionState>>();
    for (const row of rows) index.set(row.asset_key as AssetKey, unpackStates(row));
    // An alias reads as the partition `@<alias>` of its asset, at the version it points at.
    for (const row of aliases) {
      const key = row.asset_key as AssetKey;
      let partitions = index.get(key);
      if (!partitions) index.set(key, partitions = new Map());
      partitions.set(aliasPartition(row.alias), {
        current: {
          dataVersion: row.data_version as DataVersion,
          codeVersion: row.code_version as CodeVersion,
          inputSignature: undefined,
          at: new Date(row.at),
        },
        lastAttempt: undefined,
      });
    }
    return index;
  }

  async loadPointers(refs: readonly PartitionRef[]): Promise<ReadonlyMap<string, CurrentPointer>> {
    const pointers = new Map<string, CurrentPointer>();
    if (refs.length === 0) return pointers;
    const rows = await this.sql.query<PointerRow>(
      `select p.asset_key, p.partition_key, p.materialization_id, p.data_version, p.code_version,
              p.input_signature, p.location, p.rows::float8 as rows, p.current_at_ms::float8 as at
       from jsonb_to_recordset($1::text::jsonb) as r(k text, p text)
       join platform.asset_partitions p on p.asset_key = r.k and p.partition_key = r.p
       where p.data_version is not null
       union all
       select a.asset_key, '@' || a.alias, m.id, m.data_version, m.code_version,
              m.input_signature, m.location, m.rows::float8,
              (extract(epoch from a.moved_at) * 1000)::float8
       from jsonb_to_recordset($1::text::jsonb) as r(k text, p text)
       join platform.aliases a on a.asset_key = r.k and '@' || a.alias = r.p
       join platform.materializations m on m.id = a.materialization_id`,
      [JSON.stringify(refs.map((ref) => ({ k: ref.assetKey, p: ref.partition })))],
    );
    for (const row of rows) {
      pointers.set(partitionRefKey(row.asset_key as AssetKey, row.partition_key as PartitionKey), {
        materializationId: (row.materialization_id ?? undefined) as MaterializationId | undefined,
        dataVersion: row.data_version as DataVersion,
        codeVersion: (row.code_version ?? undefined) as CodeVersion | undefined,
        inputSignature: (row.input_signature ?? undefined) as InputSignature | undefined,
        location: row.location ?? undefined,
        rows: row.rows ?? undefined,
        at: new Date(row.at),
      });
    }
    return pointers;
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
    assertPackable(m.assetKey, {
      partition: m.partition,
      "materialization id": m.id,
      "run id": m.runId,
      "data version": m.dataVersion,
      "code version": m.codeVersion,
      "input signature": m.inputSignature,
    });
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

async function lostLease(tx: SqlClient, m: NewMaterialization): Promise<RuntimeInvariantError> {
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

const ALIAS_STATES_SQL = `
  select a.asset_key, a.alias, m.data_version, m.code_version,
         (extract(epoch from a.moved_at) * 1000)::float8 as at
  from platform.aliases a join platform.materializations m on m.id = a.materialization_id`;

interface AliasStateRow {
  asset_key: string;
  alias: string;
  data_version: string;
  code_version: string;
  at: number;
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

interface PointerRow {
  asset_key: string;
  partition_key: string;
  materialization_id: string | null;
  data_version: string;
  code_version: string | null;
  input_signature: string | null;
  location: string | null;
  rows: number | null;
  at: number;
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
