// The metadata store over any SqlClient: the same SQL runs on PGlite and on a Postgres server.
// Each question has its own part (runs, partitions, leases, checks, maintenance) on the one
// database connection.
import type { MigrationSet } from "../../definitions/definitions.ts";
import type { SqlClient } from "../../sql_client.ts";
import type { MetadataStore } from "../metadata_store.ts";
import { migrate } from "./migrate.ts";
import { SqlAliasStore } from "./sql_alias_store.ts";
import { SqlAutomationStore } from "./sql_automation_store.ts";
import { SqlChangeStore } from "./sql_change_store.ts";
import { SqlCheckStore } from "./sql_check_store.ts";
import { SqlLeaseStore } from "./sql_lease_store.ts";
import { SqlMaintenanceStore } from "./sql_maintenance_store.ts";
import { SqlPartitionStore } from "./sql_partition_store.ts";
import { SqlRunQueueStore } from "./sql_run_queue_store.ts";
import { SqlRunStore } from "./sql_run_store.ts";
import { SqlStatusSnapshotStore } from "./sql_status_snapshot_store.ts";
import { SqlStepStore } from "./sql_step_store.ts";

export class SqlMetadataStore implements MetadataStore {
  readonly runs: SqlRunStore;
  readonly partitions: SqlPartitionStore;
  readonly leases: SqlLeaseStore;
  readonly checks: SqlCheckStore;
  readonly maintenance: SqlMaintenanceStore;
  readonly aliases: SqlAliasStore;
  readonly queue: SqlRunQueueStore;
  readonly automation: SqlAutomationStore;
  readonly steps: SqlStepStore;
  readonly changes: SqlChangeStore;
  readonly snapshots: SqlStatusSnapshotStore;

  constructor(readonly database: SqlClient, private readonly migrationsDir?: URL) {
    this.runs = new SqlRunStore(database);
    this.partitions = new SqlPartitionStore(database);
    this.leases = new SqlLeaseStore(database);
    this.checks = new SqlCheckStore(database);
    this.maintenance = new SqlMaintenanceStore(database);
    this.aliases = new SqlAliasStore(database);
    this.queue = new SqlRunQueueStore(database);
    this.automation = new SqlAutomationStore(database);
    this.steps = new SqlStepStore(database);
    this.changes = new SqlChangeStore(database);
    this.snapshots = new SqlStatusSnapshotStore(database);
  }

  async migrate(): Promise<void> {
    await migrate(this.database, this.migrationsDir);
  }

  async migrateSchema(set: MigrationSet): Promise<void> {
    await migrate(this.database, set.dir, set.schema);
  }

  async close(): Promise<void> {
    await this.database.close();
  }
}
