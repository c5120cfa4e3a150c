// The contract every MetadataStore passes, run against each backend (PGlite in memory and on
// disk, a real Postgres server): one suite per store interface. `openFresh` returns an empty,
// not yet migrated store.
import assert from "node:assert/strict";
import type { MetadataStore, RunId } from "../../../runtime/store/metadata_store.ts";
import { aliasStoreContract } from "./contract/alias_store_contract.ts";
import { automationStoreContract } from "./contract/automation_store_contract.ts";
import { changeStoreContract } from "./contract/change_store_contract.ts";
import { checkStoreContract } from "./contract/check_store_contract.ts";
import { leaseStoreContract } from "./contract/lease_store_contract.ts";
import { maintenanceStoreContract } from "./contract/maintenance_store_contract.ts";
import { partitionStoreContract } from "./contract/partition_store_contract.ts";
import { runQueueStoreContract } from "./contract/run_queue_store_contract.ts";
import { runStoreContract } from "./contract/run_store_contract.ts";
import { statusSnapshotStoreContract } from "./contract/status_snapshot_store_contract.ts";
import { stepStoreContract } from "./contract/step_store_contract.ts";
import { newRun, type StoreTest } from "./contract/store_contract_harness.ts";

export { closingAlso } from "./contract/store_contract_harness.ts";

export interface ContractOptions {
  /** Registers the cases as ignored, e.g. when the backend's service is not configured. */
  readonly ignore?: boolean;
}

export function metadataStoreContract(
  name: string,
  openFresh: () => Promise<MetadataStore>,
  options: ContractOptions = {},
): void {
  const test: StoreTest = (title, fn) =>
    Deno.test({
      name: `${name}: ${title}`,
      ignore: options.ignore ?? false,
      // Drivers keep sockets and timers that outlive one test by design.
      sanitizeOps: false,
      sanitizeResources: false,
      async fn() {
        const store = await openFresh();
        try {
          await store.migrate();
          await fn(store);
        } finally {
          await store.close();
        }
      },
    });

  test("migrate() is idempotent and safe when several callers race", async (store) => {
    await Promise.all([store.migrate(), store.migrate(), store.migrate()]);
    await store.migrate();
    await store.runs.startRun(newRun("run-1"));
    assert.equal((await store.runs.getRun("run-1" as RunId))?.status, "running");
  });

  runStoreContract(test);
  partitionStoreContract(test);
  leaseStoreContract(test);
  checkStoreContract(test);
  maintenanceStoreContract(test);
  aliasStoreContract(test);
  runQueueStoreContract(test);
  automationStoreContract(test);
  stepStoreContract(test);
  changeStoreContract(test);
  statusSnapshotStoreContract(test);
}
