// The metadata store: Postgres schema `platform`, answered through small interfaces split by
// question. One implementation over SqlClient (store/sql/) serves PGlite and Postgres alike, and
// it is the only code that reads or writes `platform`.
import type { MigrationSet } from "../definitions/definitions.ts";
import type { SqlClient } from "../sql_client.ts";
import type { AliasStore } from "./alias_store.ts";
import type { AutomationStore } from "./automation_store.ts";
import type { ChangeStore } from "./change_store.ts";
import type { CheckStore } from "./check_store.ts";
import type { LeaseStore } from "./lease_store.ts";
import type { MaintenanceStore } from "./maintenance_store.ts";
import type { PartitionStore } from "./partition_store.ts";
import type { RunQueueStore } from "./run_queue_store.ts";
import type { RunStore } from "./run_store.ts";
import type { StatusSnapshotStore } from "./status_snapshot_store.ts";
import type { StepStore } from "./step_store.ts";

export type * from "./alias_store.ts";
export type * from "./automation_store.ts";
export type * from "./change_store.ts";
export type * from "./check_store.ts";
export type * from "./lease_store.ts";
export type * from "./maintenance_store.ts";
export type * from "./partition_store.ts";
export type * from "./run_queue_store.ts";
export type * from "./run_store.ts";
export type * from "./status_snapshot_store.ts";
export type * from "./step_store.ts";

export interface MetadataStore {
  readonly runs: RunStore;
  readonly partitions: PartitionStore;
  readonly leases: LeaseStore;
  readonly checks: CheckStore;
  readonly maintenance: MaintenanceStore;
  readonly aliases: AliasStore;
  readonly queue: RunQueueStore;
  readonly automation: AutomationStore;
  readonly steps: StepStore;
  readonly changes: ChangeStore;
  readonly snapshots: StatusSnapshotStore;
  /** Applies pending migrations from sql/platform; safe to call from several processes. */
  migrate(): Promise<void>;
  /** Applies pending migrations of an application schema (an ingest ledger, say). */
  migrateSchema(set: MigrationSet): Promise<void>;
  /**
   * The database the store lives in. The application keeps its own schemas there (the
   * warehouse, ingest ledgers), so their writes can share a commit with a pointer; it never
   * touches schema `platform` through it.
   */
  readonly database: SqlClient;
  close(): Promise<void>;
}
