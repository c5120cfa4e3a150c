// The StepStore contract: the cases every backend's store passes.
import assert from "node:assert/strict";
import { partitionRefKey } from "../../../../runtime/definitions/partition_ref.ts";
import { aliasPartition, type PartitionKey } from "../../../../runtime/partitions/partition_key.ts";
import type {
  MaterializationId,
  MetadataStore,
  RunId,
  StepBegin,
  StepStart,
} from "../../../../runtime/store/metadata_store.ts";
import { loadPointer } from "../../../../runtime/store/partition_store.ts";
import {
  at,
  DAY1,
  DAY2,
  ENRICHED,
  HOUR,
  LONG_TTL,
  materialize,
  newMaterialization,
  newRun,
  ORDERS,
  sleep,
  type StoreTest,
} from "./store_contract_harness.ts";

function start(runId: string, overrides: Partial<StepStart> = {}): StepStart {
  return {
    assetKey: ENRICHED,
    partition: DAY1,
    runId: runId as RunId,
    owner: `${runId}-host:1`,
    ttlMs: LONG_TTL,
    at: at(5 * HOUR),
    reads: [{ assetKey: ENRICHED, partition: DAY1 }, { assetKey: ORDERS, partition: DAY1 }],
    ...overrides,
  };
}

function claimed(begun: StepBegin): Extract<StepBegin, { claimed: true }> {
  assert.equal(begun.claimed, true, "expected the lease to be taken");
  return begun as Extract<StepBegin, { claimed: true }>;
}

async function state(store: MetadataStore, partition: PartitionKey = DAY1) {
  return (await store.partitions.loadStates()).get(ENRICHED)?.get(partition);
}

export function stepStoreContract(test: StoreTest): void {
  test("begin() takes the lease, reads the pointers and marks the attempt running", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    await store.runs.startRun(newRun("run-2"));
    const orders = newMaterialization("m-orders", "run-1", { assetKey: ORDERS });
    await materialize(store, orders);
    const before = newMaterialization("m-1", "run-1");
    await materialize(store, before);

    const begun = claimed(await store.steps.begin(start("run-2")));
    assert.deepEqual(begun.pointers, await store.partitions.loadPointers(start("run-2").reads));
    assert.equal(begun.pointers.get(partitionRefKey(ORDERS, DAY1))?.materializationId, "m-orders");
    assert.deepEqual(begun.previous, {
      runId: "run-1",
      status: "succeeded",
      at: before.committedAt,
      error: undefined,
    });
    assert.deepEqual((await state(store))?.lastAttempt, {
      runId: "run-2",
      status: "running",
      at: at(5 * HOUR),
      error: undefined,
    });
    assert.deepEqual(
      (await store.leases.listLeases()).map((lease) => [lease.runId, lease.owner]),
      [["run-2", "run-2-host:1"]],
    );
  });

  test("begin() reads the pointer of every ref it names, an alias among them, and none for a ref without a version", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    await store.runs.startRun(newRun("run-2"));
    await materialize(store, newMaterialization("m-orders", "run-1", { assetKey: ORDERS }));
    await materialize(store, newMaterialization("m-day2", "run-1", { partition: DAY2 }));
    await store.aliases.move({
      assetKey: ENRICHED,
      alias: "champion",
      to: "m-day2" as MaterializationId,
      reason: "test",
      movedBy: "test",
      at: at(HOUR),
    });
    const champion = aliasPartition("champion");
    const reads = [
      { assetKey: ENRICHED, partition: DAY1 },
      { assetKey: ORDERS, partition: DAY1 },
      { assetKey: ORDERS, partition: DAY2 },
      { assetKey: ENRICHED, partition: DAY2 },
      { assetKey: ENRICHED, partition: champion },
      { assetKey: ENRICHED, partition: aliasPartition("nobody") },
    ];
    const begun = claimed(await store.steps.begin(start("run-2", { reads })));
    assert.deepEqual(begun.pointers, await store.partitions.loadPointers(reads));
    assert.deepEqual(
      [...begun.pointers.keys()].sort(),
      [
        partitionRefKey(ORDERS, DAY1),
        partitionRefKey(ENRICHED, DAY2),
        partitionRefKey(ENRICHED, champion),
      ].sort(),
    );
    assert.equal(begun.pointers.get(partitionRefKey(ORDERS, DAY1))?.materializationId, "m-orders");
    const aliased = begun.pointers.get(partitionRefKey(ENRICHED, champion));
    assert.equal(aliased?.materializationId, "m-day2");
    assert.equal(aliased?.dataVersion, "data-m-day2");
    assert.equal(aliased?.at.getTime(), at(HOUR).getTime());
  });

  test("begin() on a partition never touched returns no pointers and no previous attempt", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    const begun = claimed(await store.steps.begin(start("run-1", { partition: DAY2 })));
    assert.equal(begun.pointers.size, 0);
    assert.equal(begun.previous, undefined);
    assert.equal((await state(store, DAY2))?.lastAttempt?.status, "running");
  });

  test("begin() refuses a live lease of another run, names its holder and writes nothing", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    await store.runs.startRun(newRun("run-2"));
    claimed(await store.steps.begin(start("run-1")));
    const lost = await store.steps.begin(start("run-2", { at: at(6 * HOUR) }));
    assert.equal(lost.claimed, false);
    if (lost.claimed) return;
    assert.equal(lost.heldBy.runId, "run-1");
    assert.equal(lost.heldBy.owner, "run-1-host:1");
    assert.equal(lost.heldBy.assetKey, ENRICHED);
    assert.equal(lost.heldBy.partition, DAY1);
    assert.deepEqual(lost.heldBy.holder, {
      host: "worker-1",
      pid: 4242,
      start: undefined,
      scope: undefined,
    });
    assert.ok(lost.heldBy.expiresAt.getTime() > Date.now() + LONG_TTL / 2);
    assert.equal((await state(store))?.lastAttempt?.runId, "run-1");
  });

  test("begin() takes over an expired lease and reads what its last holder committed", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    await store.runs.startRun(newRun("run-2"));
    claimed(await store.steps.begin(start("run-1", { ttlMs: 1 })));
    await store.partitions.commitMaterialization(newMaterialization("m-1", "run-1"));
    claimed(await store.steps.begin(start("run-1", { ttlMs: 1 })));
    await sleep(20);
    const begun = claimed(await store.steps.begin(start("run-2")));
    assert.equal(begun.pointers.get(partitionRefKey(ENRICHED, DAY1))?.materializationId, "m-1");
    assert.equal(begun.previous?.runId, "run-1");
    assert.equal(begun.previous?.status, "running");
  });

  test("finish() with an attempt records it and frees the lease", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    claimed(await store.steps.begin(start("run-1")));
    const failed = {
      runId: "run-1" as RunId,
      status: "failed" as const,
      at: at(6 * HOUR),
      error: "Timed out after 1000 ms",
    };
    assert.equal(
      await store.steps.finish(ENRICHED, DAY1, "run-1" as RunId, { attempt: failed }),
      true,
    );
    assert.deepEqual((await state(store))?.lastAttempt, failed);
    assert.deepEqual(await store.leases.listLeases(), []);
  });

  test("finish() with a restore puts back the attempt begin() replaced, or none", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    await store.runs.startRun(newRun("run-2"));
    const m = newMaterialization("m-1", "run-1");
    await materialize(store, m);
    const before = await state(store);
    const begun = claimed(await store.steps.begin(start("run-2")));
    await store.steps.finish(ENRICHED, DAY1, "run-2" as RunId, { restore: begun.previous });
    assert.deepEqual(await state(store), before);

    const fresh = claimed(await store.steps.begin(start("run-2", { partition: DAY2 })));
    await store.steps.finish(ENRICHED, DAY2, "run-2" as RunId, { restore: fresh.previous });
    assert.deepEqual(await state(store, DAY2), { current: undefined, lastAttempt: undefined });
    assert.deepEqual(await store.leases.listLeases(), []);
  });

  test("finish() by a run that lost the lease writes nothing and says so", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    await store.runs.startRun(newRun("run-2"));
    claimed(await store.steps.begin(start("run-1", { ttlMs: 1 })));
    await sleep(20);
    claimed(await store.steps.begin(start("run-2", { at: at(7 * HOUR) })));
    const failed = {
      runId: "run-1" as RunId,
      status: "failed" as const,
      at: at(8 * HOUR),
      error: "x",
    };
    assert.equal(
      await store.steps.finish(ENRICHED, DAY1, "run-1" as RunId, { attempt: failed }),
      false,
    );
    assert.deepEqual((await state(store))?.lastAttempt, {
      runId: "run-2",
      status: "running",
      at: at(7 * HOUR),
      error: undefined,
    });
    assert.deepEqual((await store.leases.listLeases()).map((lease) => lease.runId), ["run-2"]);
  });

  // begin_step() commits without waiting for its WAL flush (migration 0009): a crash can lose a
  // begin that its run went on from. Losing it must leave the run unable to commit.
  test("a commit after its begin was lost (lease gone or taken by another run) is refused and writes nothing", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    await store.runs.startRun(newRun("run-2"));
    claimed(await store.steps.begin(start("run-1")));
    // What a crash that lost the begin leaves: no lease row of run-1.
    await store.leases.release(ENRICHED, DAY1, "run-1" as RunId);
    const before = await state(store);
    await assert.rejects(
      store.partitions.commitMaterialization(newMaterialization("m-lost", "run-1")),
      /holds no lease on it/,
    );
    // The same through the commit's transaction (an asset with commit-time rows of its own).
    let inCommitRan = false;
    await assert.rejects(
      store.partitions.commitMaterialization(newMaterialization("m-lost", "run-1"), {
        inCommit: () => {
          inCommitRan = true;
          return Promise.resolve();
        },
      }),
      /holds no lease on it/,
    );
    assert.equal(inCommitRan, false);
    // Or another run claimed the partition after the crash.
    claimed(await store.steps.begin(start("run-2", { at: at(7 * HOUR) })));
    await assert.rejects(
      store.partitions.commitMaterialization(newMaterialization("m-lost", "run-1")),
      /the lease is held by run run-2/,
    );
    assert.deepEqual((await state(store))?.current, before?.current);
    assert.equal(await store.partitions.getMaterialization("m-lost" as never), undefined);
    assert.deepEqual((await store.leases.listLeases()).map((lease) => lease.runId), ["run-2"]);
  });

  test("a restore does not undo a commit another writer made meanwhile", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    const begun = claimed(await store.steps.begin(start("run-1")));
    // A part-set appender commits outside the lease, as a stream ingester does.
    await store.partitions.transact((tx) =>
      tx.commitPartSet({
        id: "m-appended" as never,
        runId: "run-1" as RunId,
        assetKey: ENRICHED,
        partition: DAY1,
        codeVersion: "code-1" as never,
        startedAt: at(0),
        committedAt: at(9 * HOUR),
        change: () => ({
          parts: ["lake/a"],
          dataVersion: "d" as never,
          rows: 1,
          inputs: [],
          metadata: {},
        }),
      })
    );
    await store.steps.finish(ENRICHED, DAY1, "run-1" as RunId, { restore: begun.previous });
    assert.equal((await state(store))?.lastAttempt?.status, "succeeded");
    assert.equal(
      (await loadPointer(store.partitions, ENRICHED, DAY1))?.materializationId,
      "m-appended",
    );
  });

  test("commitAndBegin() commits the step and begins the next, which reads the version just committed", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    claimed(await store.steps.begin(start("run-1", { assetKey: ORDERS, reads: [] })));
    const orders = newMaterialization("m-orders", "run-1", { assetKey: ORDERS });
    const begun = claimed(
      (await store.steps.commitAndBegin(orders, start("run-1")))!,
    );
    assert.equal(begun.pointers.get(partitionRefKey(ORDERS, DAY1))?.materializationId, "m-orders");
    assert.equal(begun.previous, undefined);
    assert.equal(
      (await loadPointer(store.partitions, ORDERS, DAY1))?.materializationId,
      "m-orders",
    );
    assert.deepEqual(
      (await store.partitions.getMaterialization("m-orders" as never))?.inputs,
      orders.inputs,
    );
    assert.deepEqual((await state(store))?.lastAttempt, {
      runId: "run-1",
      status: "running",
      at: at(5 * HOUR),
      error: undefined,
    });
    assert.deepEqual(
      (await store.leases.listLeases()).map((lease) => [lease.assetKey, lease.runId]),
      [[ENRICHED, "run-1"]],
    );
  });

  test("commitAndBegin() by a run that lost the lease writes nothing and begins nothing", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    claimed(await store.steps.begin(start("run-1", { assetKey: ORDERS, reads: [] })));
    await store.leases.release(ORDERS, DAY1, "run-1" as RunId);
    const orders = newMaterialization("m-lost", "run-1", { assetKey: ORDERS });
    await assert.rejects(
      store.steps.commitAndBegin(orders, start("run-1")),
      /holds no lease on it/,
    );
    assert.equal(await store.partitions.getMaterialization("m-lost" as never), undefined);
    assert.equal(await state(store), undefined);
    assert.deepEqual(await store.leases.listLeases(), []);
  });

  test("commitAndBegin() commits even when another run holds the next partition, and names it", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    await store.runs.startRun(newRun("run-2"));
    claimed(await store.steps.begin(start("run-2")));
    claimed(await store.steps.begin(start("run-1", { assetKey: ORDERS, reads: [] })));
    const orders = newMaterialization("m-orders", "run-1", { assetKey: ORDERS });
    const lost = await store.steps.commitAndBegin(orders, start("run-1", { at: at(6 * HOUR) }));
    assert.equal(lost?.claimed, false);
    if (lost?.claimed !== false) return;
    assert.equal(lost.heldBy.runId, "run-2");
    assert.equal(
      (await loadPointer(store.partitions, ORDERS, DAY1))?.materializationId,
      "m-orders",
    );
    assert.equal((await state(store))?.lastAttempt?.runId, "run-2");
    assert.deepEqual(
      (await store.leases.listLeases()).map((lease) => [lease.assetKey, lease.runId]),
      [[ENRICHED, "run-2"]],
    );
  });
}
