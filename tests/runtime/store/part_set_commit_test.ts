// Part-set commits on a real Postgres: appends extend the pointer inside the caller's transaction
// (and vanish with it), a layout change keeps the version and lineage, and concurrent appenders
// on two connections each land their part exactly once.
import assert from "node:assert/strict";
import { openPostgresClient } from "../../../resources/postgres/postgres_client.ts";
import { type AssetKey, assetKey } from "../../../runtime/definitions/asset_key.ts";
import { locationParts } from "../../../runtime/definitions/part_set.ts";
import { partitionKey } from "../../../runtime/partitions/partition_key.ts";
import type { MaterializationId, RunId } from "../../../runtime/store/metadata_store.ts";
import { commitPartSet } from "../../../runtime/store/sql/part_set_commit.ts";
import type { PartSetChange } from "../../../runtime/store/partition_store.ts";
import type { SqlClient } from "../../../runtime/sql_client.ts";
import { SqlMetadataStore } from "../../../runtime/store/sql/sql_metadata_store.ts";
import { type CodeVersion, dataVersion } from "../../../runtime/definitions/version.ts";
import { ingestRun } from "../../support/runtime_harness.ts";
import { createFreshDatabase, needsPostgres } from "../../support/services.ts";

const BRONZE = assetKey("bronze.orders");
const SOURCE = assetKey("kafka.orders");
const DAY = partitionKey("2026-11-01");
const RUN = "ingest-run" as RunId;

async function withStore(fn: (store: SqlMetadataStore, url: string) => Promise<void>) {
  const database = await createFreshDatabase();
  const store = new SqlMetadataStore(await openPostgresClient(database.url));
  try {
    await store.migrate();
    await store.runs.startRun(ingestRun(RUN, new Date()));
    await fn(store, database.url);
  } finally {
    await store.close();
    await database.drop();
  }
}

/** Appends part `uri` (one row) to bronze.orders' pointer for DAY. */
function append(tx: SqlClient, uri: string, key: AssetKey = BRONZE) {
  return commitPartSet(tx, {
    id: crypto.randomUUID() as MaterializationId,
    runId: RUN,
    assetKey: key,
    partition: DAY,
    codeVersion: "code-1" as CodeVersion,
    startedAt: new Date(),
    committedAt: new Date(),
    change: (current): PartSetChange => ({
      parts: [...(current?.parts ?? []), uri],
      dataVersion: dataVersion(`${current?.dataVersion ?? "v"}+${uri}`),
      rows: (current?.rows ?? 0) + 1,
      inputs: [{ assetKey: SOURCE, partition: DAY, dataVersion: dataVersion("day") }],
      metadata: { appended: uri },
    }),
  });
}

async function pointerOf(store: SqlMetadataStore) {
  const pointers = await store.partitions.loadPointers([{ assetKey: BRONZE, partition: DAY }]);
  return [...pointers.values()][0];
}

const test = (name: string, fn: (store: SqlMetadataStore, url: string) => Promise<void>) =>
  Deno.test({
    name,
    ...needsPostgres(),
    sanitizeOps: false,
    sanitizeResources: false,
    fn: () => withStore(fn),
  });

test("appends build a part set, each a materialization with its lineage", async (store) => {
  await store.database.transaction((tx) => append(tx, "file:///lake/a"));
  await store.database.transaction((tx) => append(tx, "file:///lake/b"));
  const pointer = await pointerOf(store);
  assert.deepEqual(locationParts(pointer.location!), ["file:///lake/a", "file:///lake/b"]);
  assert.equal(pointer.dataVersion, "v+file:///lake/a+file:///lake/b");
  assert.equal(pointer.rows, 2);
  const history = await store.partitions.listMaterializations(BRONZE, DAY, 10);
  assert.equal(history.length, 2);
  const inputs = await store.partitions.loadInputs([pointer.materializationId!]);
  assert.deepEqual(inputs.get(pointer.materializationId!), [
    { assetKey: SOURCE, partition: DAY, dataVersion: "day" },
  ]);
});

test("an append rolls back with the caller's transaction", async (store) => {
  await store.database.transaction((tx) => append(tx, "file:///lake/a"));
  await assert.rejects(
    store.database.transaction(async (tx) => {
      await append(tx, "file:///lake/b");
      throw new Error("offset moved meanwhile");
    }),
    /offset moved meanwhile/,
  );
  const pointer = await pointerOf(store);
  assert.deepEqual(locationParts(pointer.location!), ["file:///lake/a"]);
  assert.equal((await store.partitions.listMaterializations(BRONZE, DAY, 10)).length, 1);
});

test("a layout change keeps the version and the lineage; null leaves the pointer", async (store) => {
  await store.database.transaction((tx) => append(tx, "file:///lake/a"));
  await store.database.transaction((tx) => append(tx, "file:///lake/b"));
  const before = await pointerOf(store);
  const compact = (tx: SqlClient, expect: string[]) =>
    commitPartSet(tx, {
      id: crypto.randomUUID() as MaterializationId,
      runId: RUN,
      assetKey: BRONZE,
      partition: DAY,
      codeVersion: "code-1" as CodeVersion,
      startedAt: new Date(),
      committedAt: new Date(),
      change: (current) =>
        current && expect.every((uri) => current.parts.includes(uri))
          ? {
            parts: ["file:///lake/merged"],
            dataVersion: current.dataVersion,
            rows: current.rows,
            inputs: "keep",
            metadata: { compacted: expect.length },
          }
          : null,
    });
  assert.equal(await store.database.transaction((tx) => compact(tx, ["file:///lake/zzz"])), false);
  assert.equal((await pointerOf(store)).materializationId, before.materializationId);

  assert.equal(
    await store.database.transaction((tx) => compact(tx, ["file:///lake/a", "file:///lake/b"])),
    true,
  );
  const after = await pointerOf(store);
  assert.deepEqual(locationParts(after.location!), ["file:///lake/merged"]);
  assert.equal(after.dataVersion, before.dataVersion);
  assert.equal(after.inputSignature, before.inputSignature);
  assert.deepEqual(
    (await store.partitions.loadInputs([after.materializationId!])).get(after.materializationId!),
    [{ assetKey: SOURCE, partition: DAY, dataVersion: "day" }],
  );
});

test("concurrent appenders on two connections each land their part once", async (store, url) => {
  const other = await openPostgresClient(url);
  try {
    const uris = Array.from({ length: 40 }, (_, i) => `file:///lake/part-${i}`);
    await Promise.all(
      uris.map((uri, i) =>
        (i % 2 === 0 ? store.database : other).transaction((tx) => append(tx, uri))
      ),
    );
    const pointer = await pointerOf(store);
    assert.deepEqual([...locationParts(pointer.location!)].sort(), [...uris].sort());
    assert.equal(pointer.rows, 40);
    assert.equal((await store.partitions.listMaterializations(BRONZE, DAY, 100)).length, 40);
  } finally {
    await other.close();
  }
});
