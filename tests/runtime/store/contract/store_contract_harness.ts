// What the store contract suites share: fixed keys and times, runs and materializations to
// write, and the test registrar each backend's runner passes in.
import assert from "node:assert/strict";
import type { AssetKey } from "../../../../runtime/definitions/asset_key.ts";
import type { PartitionKey } from "../../../../runtime/partitions/partition_key.ts";
import type {
  MaterializationId,
  MetadataStore,
  NewMaterialization,
  NewRun,
  RunId,
} from "../../../../runtime/store/metadata_store.ts";
import type {
  CodeVersion,
  ConsumedInput,
  DataVersion,
  InputSignature,
} from "../../../../runtime/definitions/version.ts";

export const ORDERS = "bronze.orders" as AssetKey;
export const ENRICHED = "silver.orders_enriched" as AssetKey;
export const SOURCE = "source.orders" as AssetKey;
export const DAY1 = "2026-11-01" as PartitionKey;
export const DAY2 = "2026-11-02" as PartitionKey;
export const NONE = "" as PartitionKey;
export const T0 = new Date("2026-11-01T10:00:00.123Z");
export const HOUR = 3_600_000;
export const LONG_TTL = 60_000;

export function at(offsetMs: number): Date {
  return new Date(T0.getTime() + offsetMs);
}

export function newRun(id: string, startedAt = T0): NewRun {
  return {
    id: id as RunId,
    command: "materialize",
    selection: "+silver.orders_enriched",
    partitions: "2026-11-01",
    host: "worker-1",
    pid: 4242,
    startedAt,
  };
}

export function input(key: string, partition: string, version: string): ConsumedInput {
  return { assetKey: key, partition, dataVersion: version as DataVersion };
}

export function newMaterialization(
  id: string,
  runId: string,
  overrides: Partial<NewMaterialization> = {},
): NewMaterialization {
  return {
    id: id as MaterializationId,
    runId: runId as RunId,
    assetKey: ENRICHED,
    partition: DAY1,
    dataVersion: `data-${id}` as DataVersion,
    codeVersion: "code-1" as CodeVersion,
    inputSignature: "sig-1" as InputSignature,
    location: `lake/silver/orders_enriched/${id}`,
    rows: 1200,
    bytes: 5_000_000_000,
    metadata: { engine: "duckdb", columns: ["order_id", "amount"] },
    inputs: [
      input("bronze.orders", "2026-11-01", "v1"),
      input("bronze.payments", "2026-11-01", "v7"),
    ],
    startedAt: at(0),
    committedAt: at(1000),
    ...overrides,
  };
}

/** Starts the run, claims the partition for it and commits the materialization. */
export async function materialize(store: MetadataStore, m: NewMaterialization): Promise<void> {
  const claim = await store.leases.claim(m.assetKey, m.partition, m.runId, "worker-1", LONG_TTL);
  assert.deepEqual(claim, { claimed: true });
  await store.partitions.commitMaterialization(m);
}

/** Moves ENRICHED's alias `champion` to materialization m-1, an hour after T0. */
export async function moveChampion(store: MetadataStore): Promise<void> {
  await store.aliases.move({
    assetKey: ENRICHED,
    alias: "champion",
    to: "m-1" as MaterializationId,
    reason: "test",
    movedBy: "test",
    at: at(HOUR),
  });
}

/**
 * The states the read contracts compare with loadStates(): run-1's materializations m-1 and m-2
 * (ENRICHED on DAY1 and DAY2) and m-3 (ORDERS), and ENRICHED's alias `champion` on m-1.
 */
export async function writeStatesWithAlias(store: MetadataStore): Promise<void> {
  await store.runs.startRun(newRun("run-1"));
  await materialize(store, newMaterialization("m-1", "run-1"));
  await materialize(store, newMaterialization("m-2", "run-1", { partition: DAY2 }));
  await materialize(store, newMaterialization("m-3", "run-1", { assetKey: ORDERS }));
  await moveChampion(store);
}

/** The store, whose close() also runs `cleanup` (dropping a test database, a temp dir). */
export function closingAlso(store: MetadataStore, cleanup: () => Promise<void>): MetadataStore {
  const close = store.close.bind(store);
  return Object.assign(Object.create(store), {
    close: async () => {
      try {
        await close();
      } finally {
        await cleanup();
      }
    },
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Registers one contract case; the store it gets is fresh and migrated, and closed after. */
export type StoreTest = (title: string, fn: (store: MetadataStore) => Promise<void>) => void;
