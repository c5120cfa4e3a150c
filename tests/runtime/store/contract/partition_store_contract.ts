// The PartitionStore contract: the cases every backend's store passes.
import assert from "node:assert/strict";
import { type AssetKey } from "../../../../runtime/definitions/asset_key.ts";
import { ConcurrentChangeError, RuntimeInvariantError } from "../../../../runtime/errors.ts";
import { partSetLocation } from "../../../../runtime/definitions/part_set.ts";
import { type PartitionKey } from "../../../../runtime/partitions/partition_key.ts";
import { type MaterializationId, type RunId } from "../../../../runtime/store/metadata_store.ts";
import { loadPointer } from "../../../../runtime/store/partition_store.ts";
import { partitionRefKey } from "../../../../runtime/definitions/partition_ref.ts";
import type { CodeVersion, DataVersion } from "../../../../runtime/definitions/version.ts";
import {
  at,
  DAY1,
  DAY2,
  ENRICHED,
  HOUR,
  input,
  LONG_TTL,
  materialize,
  newMaterialization,
  newRun,
  NONE,
  ORDERS,
  sleep,
  SOURCE,
  type StoreTest,
  T0,
} from "./store_contract_harness.ts";

export function partitionStoreContract(test: StoreTest): void {
  test("commitMaterialization() moves the pointer, records lineage and releases the lease in one transaction", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    const m = newMaterialization("m-1", "run-1");
    await materialize(store, m);

    const state = (await store.partitions.loadStates()).get(ENRICHED)?.get(DAY1);
    assert.deepEqual(state, {
      current: {
        dataVersion: m.dataVersion,
        codeVersion: m.codeVersion,
        inputSignature: m.inputSignature,
        at: m.committedAt,
      },
      lastAttempt: { runId: "run-1", status: "succeeded", at: m.committedAt, error: undefined },
    });
    assert.deepEqual(await loadPointer(store.partitions, ENRICHED, DAY1), {
      ...state!.current!,
      materializationId: "m-1",
      location: m.location,
      rows: 1200,
    });
    assert.deepEqual(await store.partitions.getMaterialization(m.id), m);
    const inputs = await store.partitions.loadInputs([m.id, "m-unknown" as MaterializationId]);
    assert.deepEqual(inputs.get(m.id), m.inputs);
    assert.deepEqual(inputs.get("m-unknown" as MaterializationId), []);
    assert.deepEqual(await store.leases.listLeases(), []);
  });

  test("commitMaterialization() with the lease held by another run throws, names the partition and keeps the old pointer", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    await store.runs.startRun(newRun("run-2"));
    await materialize(store, newMaterialization("m-1", "run-1"));

    await store.leases.claim(ENRICHED, DAY1, "run-1" as RunId, "worker-1", 1);
    await sleep(20); // the lease of run-1 must expire for run-2 to take it over
    assert.deepEqual(
      await store.leases.claim(ENRICHED, DAY1, "run-2" as RunId, "worker-2", LONG_TTL),
      { claimed: true },
    );
    const late = newMaterialization("m-2", "run-1", { committedAt: at(9000) });
    await assert.rejects(
      store.partitions.commitMaterialization(late),
      (error) =>
        error instanceof RuntimeInvariantError &&
        error.message.includes("'silver.orders_enriched' partition 2026-11-01") &&
        error.message.includes("run-2"),
    );

    const pointer = await loadPointer(store.partitions, ENRICHED, DAY1);
    assert.equal(pointer?.materializationId, "m-1");
    assert.equal(await store.partitions.getMaterialization("m-2" as MaterializationId), undefined);
    assert.deepEqual(
      (await store.partitions.loadInputs(["m-2" as MaterializationId])).get(
        "m-2" as MaterializationId,
      ),
      [],
    );
    assert.deepEqual((await store.leases.listLeases()).map((lease) => lease.runId), ["run-2"]);
  });

  test("commitMaterialization() without a claimed lease throws and commits nothing", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    await assert.rejects(
      store.partitions.commitMaterialization(
        newMaterialization("m-1", "run-1", { partition: NONE }),
      ),
      (error) =>
        error instanceof RuntimeInvariantError &&
        error.message.includes("'silver.orders_enriched' partition -"),
    );
    assert.equal((await store.partitions.loadStates()).size, 0);
  });

  test("commitMaterialization() succeeds on the run's own expired lease nobody took over", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    await store.leases.claim(ENRICHED, DAY1, "run-1" as RunId, "worker-1", 1);
    await sleep(20);
    await store.partitions.commitMaterialization(newMaterialization("m-1", "run-1"));
    assert.equal((await loadPointer(store.partitions, ENRICHED, DAY1))?.materializationId, "m-1");
  });

  test("recordAttempt() marks the last attempt without moving the pointer", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    await store.partitions.recordAttempt(ORDERS, DAY2, {
      runId: "run-2" as RunId,
      status: "running",
      at: at(1),
      error: undefined,
    });
    assert.deepEqual((await store.partitions.loadStates()).get(ORDERS)?.get(DAY2), {
      current: undefined,
      lastAttempt: { runId: "run-2", status: "running", at: at(1), error: undefined },
    });

    const m = newMaterialization("m-1", "run-1", { assetKey: ORDERS });
    await materialize(store, m);
    const failed = {
      runId: "run-3" as RunId,
      status: "failed" as const,
      at: at(HOUR),
      error: "Timed out after 1000 ms",
    };
    await store.partitions.recordAttempt(ORDERS, DAY1, failed);
    const state = (await store.partitions.loadStates()).get(ORDERS)?.get(DAY1);
    assert.equal((await loadPointer(store.partitions, ORDERS, DAY1))?.materializationId, "m-1");
    assert.deepEqual(state?.lastAttempt, failed);
  });

  test("loadStates() indexes every touched partition by asset and partition key", async (store) => {
    assert.equal((await store.partitions.loadStates()).size, 0);
    await store.runs.startRun(newRun("run-1"));
    await materialize(store, newMaterialization("m-1", "run-1", { assetKey: ORDERS }));
    await materialize(
      store,
      newMaterialization("m-2", "run-1", { assetKey: ORDERS, partition: DAY2, rows: undefined }),
    );
    await materialize(store, newMaterialization("m-3", "run-1", { partition: NONE, inputs: [] }));
    await store.partitions.recordObservation(
      SOURCE,
      new Map([[DAY1, "offset-10" as DataVersion]]),
      {},
      T0,
    );

    const states = await store.partitions.loadStates();
    assert.deepEqual([...states.keys()].sort(), [ORDERS, SOURCE, ENRICHED].sort());
    assert.deepEqual([...states.get(ORDERS)!.keys()].sort(), [DAY1, DAY2]);
    assert.deepEqual(states.get(SOURCE)?.get(DAY1), {
      current: {
        dataVersion: "offset-10",
        codeVersion: undefined,
        inputSignature: undefined,
        at: T0,
      },
      lastAttempt: undefined,
    });
    const current = states.get(ORDERS)?.get(DAY1)?.current;
    assert.ok(current?.at instanceof Date);
  });

  test("loadPointers() answers the current pointer of each ref that has one, with its files", async (store) => {
    assert.equal((await store.partitions.loadPointers([])).size, 0);
    await store.runs.startRun(newRun("run-1"));
    await materialize(store, newMaterialization("m-1", "run-1", { assetKey: ORDERS }));
    await materialize(
      store,
      newMaterialization("m-2", "run-1", { assetKey: ORDERS, partition: DAY2, rows: undefined }),
    );
    await materialize(store, newMaterialization("m-3", "run-1", { partition: NONE, inputs: [] }));
    await store.partitions.recordObservation(
      SOURCE,
      new Map([[DAY1, "offset-10" as DataVersion]]),
      {},
      T0,
    );
    await store.partitions.recordAttempt(ENRICHED, DAY1, {
      runId: "run-1" as RunId,
      status: "failed",
      at: T0,
      error: "boom",
    });

    const pointers = await store.partitions.loadPointers([
      { assetKey: ORDERS, partition: DAY1 },
      { assetKey: ORDERS, partition: DAY2 },
      { assetKey: ENRICHED, partition: NONE },
      { assetKey: SOURCE, partition: DAY1 },
      { assetKey: ENRICHED, partition: DAY1 },
      { assetKey: "nowhere.asset" as AssetKey, partition: DAY1 },
    ]);
    assert.deepEqual(
      [...pointers.keys()].sort(),
      [
        partitionRefKey(ORDERS, DAY1),
        partitionRefKey(ORDERS, DAY2),
        partitionRefKey(ENRICHED, NONE),
        partitionRefKey(SOURCE, DAY1),
      ].sort(),
    );
    const first = pointers.get(partitionRefKey(ORDERS, DAY1))!;
    const committed = newMaterialization("m-1", "run-1", { assetKey: ORDERS });
    assert.equal(first.materializationId, "m-1");
    assert.equal(first.location, committed.location);
    assert.equal(first.rows, committed.rows);
    assert.equal(first.dataVersion, committed.dataVersion);
    assert.equal(first.at.getTime(), committed.committedAt.getTime());
    assert.equal(pointers.get(partitionRefKey(ORDERS, DAY2))?.rows, undefined);
    assert.equal(pointers.get(partitionRefKey(ENRICHED, NONE))?.materializationId, "m-3");
    assert.deepEqual(pointers.get(partitionRefKey(SOURCE, DAY1)), {
      materializationId: undefined,
      dataVersion: "offset-10",
      codeVersion: undefined,
      inputSignature: undefined,
      location: undefined,
      at: T0,
      rows: undefined,
    });
  });

  test("loadStates() returns free text holding its separator characters with them blanked", async (store) => {
    const error = "Line one\x1fcolumn\x1erow\x15null";
    await store.partitions.recordAttempt(ORDERS, DAY1, {
      runId: "run-1" as RunId,
      status: "failed",
      at: T0,
      error,
    });
    const state = (await store.partitions.loadStates()).get(ORDERS)?.get(DAY1);
    assert.equal(state?.lastAttempt?.error, "Line one column row null");
  });

  test("commitMaterialization() rejects a data version holding a reserved control character", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    await store.leases.claim(ENRICHED, DAY1, "run-1" as RunId, "worker-1", LONG_TTL);
    const m = newMaterialization("m-1", "run-1", { dataVersion: "v\x1e1" as DataVersion });
    await assert.rejects(
      store.partitions.commitMaterialization(m),
      (e) => e instanceof RuntimeInvariantError && /data version "v\\u001e1"/.test(e.message),
    );
  });

  test("recordObservation() records only partitions whose version changed", async (store) => {
    const first = new Map([[DAY1, "v1"], [DAY2, "v1"]]) as Map<PartitionKey, DataVersion>;
    assert.equal(await store.partitions.recordObservation(SOURCE, first, { lag: 3 }, at(0)), 2);
    assert.equal(await store.partitions.recordObservation(SOURCE, first, { lag: 0 }, at(1000)), 0);
    const second = new Map([[DAY1, "v1"], [DAY2, "v2"], [NONE, "v1"]]) as Map<
      PartitionKey,
      DataVersion
    >;
    assert.equal(await store.partitions.recordObservation(SOURCE, second, {}, at(2000)), 2);
    assert.equal(await store.partitions.recordObservation(SOURCE, new Map(), {}, at(3000)), 0);

    const states = (await store.partitions.loadStates()).get(SOURCE)!;
    assert.equal(states.get(DAY1)?.current?.dataVersion, "v1");
    assert.deepEqual(states.get(DAY1)?.current?.at, at(0));
    assert.equal(states.get(DAY2)?.current?.dataVersion, "v2");
    assert.deepEqual(states.get(DAY2)?.current?.at, at(2000));
    assert.equal(states.get(NONE)?.current?.dataVersion, "v1");
  });

  test("listMaterializations() lists a partition's history newest first, with its inputs", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    const ms = [
      newMaterialization("m-1", "run-1", { committedAt: at(1000) }),
      newMaterialization("m-2", "run-1", { committedAt: at(3000), inputs: [] }),
      newMaterialization("m-3", "run-1", { committedAt: at(2000) }),
      newMaterialization("m-4", "run-1", { partition: DAY2, committedAt: at(4000) }),
    ];
    for (const m of ms) await materialize(store, m);
    const history = await store.partitions.listMaterializations(ENRICHED, DAY1, 10);
    assert.deepEqual(history.map((m) => m.id), ["m-2", "m-3", "m-1"]);
    assert.deepEqual(history[1], ms[2]);
    assert.deepEqual(history[0].inputs, []);
    assert.deepEqual(
      (await store.partitions.listMaterializations(ENRICHED, DAY1, 1)).map((m) => m.id),
      ["m-2"],
    );
    assert.deepEqual(await store.partitions.listMaterializations(ORDERS, DAY1, 10), []);
  });

  test("listAssetMaterializations() lists every partition's history of an asset newest first", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    await materialize(store, newMaterialization("m-1", "run-1", { committedAt: at(1000) }));
    await materialize(
      store,
      newMaterialization("m-2", "run-1", { partition: DAY2, committedAt: at(3000) }),
    );
    await materialize(store, newMaterialization("m-3", "run-1", { committedAt: at(2000) }));
    await materialize(store, newMaterialization("m-4", "run-1", { assetKey: ORDERS }));
    const all = await store.partitions.listAssetMaterializations(ENRICHED, 10);
    assert.deepEqual(all.map((m) => [m.id, m.partition]), [
      ["m-2", DAY2],
      ["m-3", DAY1],
      ["m-1", DAY1],
    ]);
    assert.deepEqual(all[1].inputs, newMaterialization("m-3", "run-1").inputs);
    assert.deepEqual(
      (await store.partitions.listAssetMaterializations(ENRICHED, 1)).map((m) => m.id),
      ["m-2"],
    );
  });

  test("listConsumers() lists the downstream partitions whose current materialization read a partition", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    const GOLD = "gold.fraud_summary" as AssetKey;
    const read = (version: string) => [input(ORDERS, DAY1, version)];
    // DAY1 of silver read v1, then was replaced by one that read v2; DAY2 read v1 and is current.
    await materialize(store, newMaterialization("m-1", "run-1", { inputs: read("v1") }));
    await materialize(
      store,
      newMaterialization("m-2", "run-1", { inputs: read("v2"), committedAt: at(2000) }),
    );
    await materialize(
      store,
      newMaterialization("m-3", "run-1", { partition: DAY2, inputs: read("v1") }),
    );
    await materialize(
      store,
      newMaterialization("m-4", "run-1", {
        assetKey: GOLD,
        inputs: [input(ORDERS, DAY1, "v2"), input(ORDERS, DAY2, "v9")],
      }),
    );
    await materialize(
      store,
      newMaterialization("m-5", "run-1", { assetKey: GOLD, partition: DAY2, inputs: [] }),
    );

    assert.deepEqual(await store.partitions.listConsumers(ORDERS, DAY1, 10), [
      {
        assetKey: GOLD,
        partition: DAY1,
        materializationId: "m-4",
        readDataVersion: "v2",
        dataVersion: "data-m-4",
      },
      {
        assetKey: ENRICHED,
        partition: DAY1,
        materializationId: "m-2",
        readDataVersion: "v2",
        dataVersion: "data-m-2",
      },
      {
        assetKey: ENRICHED,
        partition: DAY2,
        materializationId: "m-3",
        readDataVersion: "v1",
        dataVersion: "data-m-3",
      },
    ]);
    assert.deepEqual(
      (await store.partitions.listConsumers(ORDERS, DAY1, 2)).map((c) => c.materializationId),
      ["m-4", "m-2"],
    );
    assert.deepEqual(await store.partitions.listConsumers(ORDERS, NONE, 10), []);
    assert.deepEqual(await store.partitions.listConsumers(ENRICHED, DAY1, 10), []);
  });

  test("commitMaterialization() with expectedCurrent commits only while the pointer is unchanged", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    await materialize(store, newMaterialization("m-1", "run-1"));
    await materialize(store, newMaterialization("m-2", "run-1", { committedAt: at(2000) }));
    await store.leases.claim(ENRICHED, DAY1, "run-1" as RunId, "worker-1", LONG_TTL);
    await assert.rejects(
      store.partitions.commitMaterialization(
        newMaterialization("m-3", "run-1", { committedAt: at(3000) }),
        { expectedCurrent: { materializationId: "m-1" as MaterializationId } },
      ),
      (error: unknown) =>
        error instanceof ConcurrentChangeError && /now points at m-2, not m-1/.test(error.message),
    );
    assert.equal((await loadPointer(store.partitions, ENRICHED, DAY1))?.materializationId, "m-2");
    await store.partitions.commitMaterialization(
      newMaterialization("m-3", "run-1", { committedAt: at(3000) }),
      { expectedCurrent: { materializationId: "m-2" as MaterializationId } },
    );
    assert.equal((await loadPointer(store.partitions, ENRICHED, DAY1))?.materializationId, "m-3");
  });

  test("commitMaterialization() runs inCommit in its transaction and refuses schema platform there", async (store) => {
    await store.database.exec(
      "create schema if not exists app; drop table if exists app.t; create table app.t (v int)",
    );
    await store.runs.startRun(newRun("run-1"));
    await store.leases.claim(ENRICHED, DAY1, "run-1" as RunId, "worker-1", LONG_TTL);
    await assert.rejects(
      store.partitions.commitMaterialization(newMaterialization("m-1", "run-1"), {
        inCommit: async (tx) => {
          await tx.query("insert into app.t values (1)");
          await tx.query("delete from platform.leases");
        },
      }),
      /schema platform belongs to the metadata store/,
    );
    // Nothing of the failed commit landed: no row in app.t, no pointer, the lease still held.
    assert.deepEqual([...await store.database.query("select v from app.t")], []);
    assert.equal(await loadPointer(store.partitions, ENRICHED, DAY1), undefined);
    await store.partitions.commitMaterialization(newMaterialization("m-1", "run-1"), {
      inCommit: (tx) => tx.query("insert into app.t values (2)").then(() => {}),
    });
    assert.deepEqual([...await store.database.query("select v from app.t")], [{ v: 2 }]);
  });

  test("transact() commits part sets and application rows together, or neither", async (store) => {
    await store.database.exec(
      "create schema if not exists app; drop table if exists app.t; create table app.t (v int)",
    );
    await store.runs.startRun(newRun("run-1"));
    const commit = (id: string, uri: string) => ({
      id: id as MaterializationId,
      runId: "run-1" as RunId,
      assetKey: ORDERS,
      partition: DAY1,
      codeVersion: "code-1" as CodeVersion,
      startedAt: at(0),
      committedAt: at(1000),
      change: (current: { parts: readonly string[] } | undefined) => ({
        parts: [...(current?.parts ?? []), uri],
        dataVersion: `v-${id}` as DataVersion,
        rows: 1,
        inputs: [],
        metadata: {},
      }),
    });
    await store.partitions.transact(async (tx) => {
      await tx.app.query("insert into app.t values (1)");
      assert.equal(await tx.commitPartSet(commit("p-1", "lake/a")), true);
    });
    await assert.rejects(
      store.partitions.transact(async (tx) => {
        await tx.commitPartSet(commit("p-2", "lake/b"));
        await tx.app.query("insert into app.t values (2)");
        throw new Error("crash before commit");
      }),
      /crash before commit/,
    );
    const pointer = await loadPointer(store.partitions, ORDERS, DAY1);
    assert.equal(pointer?.location, partSetLocation(["lake/a"]));
    assert.deepEqual([...await store.database.query("select v from app.t")], [{ v: 1 }]);
  });

  test("currentVersions() lists an asset's partitions that have a version", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    await materialize(store, newMaterialization("m-1", "run-1"));
    await materialize(store, newMaterialization("m-2", "run-1", { partition: DAY2 }));
    await store.partitions.recordAttempt(ORDERS, DAY1, {
      runId: "run-1" as RunId,
      status: "failed",
      at: at(0),
      error: "boom",
    });
    assert.deepEqual(
      [...await store.partitions.currentVersions(ENRICHED)],
      [[DAY1, "data-m-1"], [DAY2, "data-m-2"]],
    );
    assert.equal((await store.partitions.currentVersions(ORDERS)).size, 0);
  });

  test("migrateSchema() applies an application schema's migrations once, with their own bookkeeping", async (store) => {
    const dir = await Deno.makeTempDir();
    try {
      await store.database.exec("drop schema if exists app2 cascade");
      await Deno.writeTextFile(`${dir}/0001_ledger.sql`, "create table app2.ledger (n int)");
      const set = { schema: "app2", dir: new URL(`file://${dir}/`) };
      await Promise.all([store.migrateSchema(set), store.migrateSchema(set)]);
      await store.migrateSchema(set);
      assert.deepEqual(
        [...await store.database.query("select version, name from app2.schema_migrations")],
        [{ version: 1, name: "ledger" }],
      );
      await store.database.query("insert into app2.ledger values (1)");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
