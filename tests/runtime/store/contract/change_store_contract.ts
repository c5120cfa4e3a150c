// The ChangeStore contract: a read since a mark returns exactly what was written after it (a
// commit, a running mark, a failure, an observation, an alias move), and never loses a write of
// a transaction that was still open when the mark was taken.
import assert from "node:assert/strict";
import { aliasPartition, type PartitionKey } from "../../../../runtime/partitions/partition_key.ts";
import type {
  MaterializationId,
  MetadataStore,
  RunId,
  StateIndex,
} from "../../../../runtime/store/metadata_store.ts";
import type { DataVersion } from "../../../../runtime/definitions/version.ts";
import {
  at,
  DAY1,
  DAY2,
  ENRICHED,
  HOUR,
  LONG_TTL,
  materialize,
  moveChampion,
  newMaterialization,
  newRun,
  ORDERS,
  SOURCE,
  type StoreTest,
  writeStatesWithAlias,
} from "./store_contract_harness.ts";

/** `asset@partition` of every state in `states`, sorted. */
function touched(states: StateIndex): string[] {
  return [...states].flatMap(([key, partitions]) =>
    [...partitions.keys()].map((partition) => `${key}@${partition}`)
  ).sort();
}

async function changesAfter(store: MetadataStore, write: () => Promise<unknown>) {
  const { mark } = await store.changes.statesSince(undefined);
  await write();
  return await store.changes.statesSince(mark);
}

export function changeStoreContract(test: StoreTest): void {
  test("statesSince() without a mark returns every state, as loadStates() does", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    await materialize(store, newMaterialization("m-1", "run-1"));
    await materialize(store, newMaterialization("m-2", "run-1", { assetKey: ORDERS }));
    await moveChampion(store);
    const all = await store.changes.statesSince(undefined);
    assert.deepEqual(all.states, await store.partitions.loadStates());
    assert.deepEqual(
      touched(all.states),
      [
        `${ORDERS}@${DAY1}`,
        `${ENRICHED}@${aliasPartition("champion")}`,
        `${ENRICHED}@${DAY1}`,
      ].sort(),
    );
  });

  test("statesSince() the last mark is empty when nothing was written", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    await materialize(store, newMaterialization("m-1", "run-1"));
    const first = await store.changes.statesSince(undefined);
    const again = await store.changes.statesSince(first.mark);
    assert.equal(again.states.size, 0);
    assert.equal((await store.changes.statesSince(again.mark)).states.size, 0);
  });

  test("statesSince() returns the partitions a commit, a running mark and a failure wrote", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    await materialize(store, newMaterialization("m-1", "run-1"));
    const committed = await changesAfter(
      store,
      () => materialize(store, newMaterialization("m-2", "run-1", { partition: DAY2 })),
    );
    assert.deepEqual(touched(committed.states), [`${ENRICHED}@${DAY2}`]);
    assert.deepEqual(
      committed.states.get(ENRICHED)?.get(DAY2),
      (await store.partitions.loadStates()).get(ENRICHED)?.get(DAY2),
    );

    const running = await changesAfter(store, () =>
      store.steps.begin({
        assetKey: ORDERS,
        partition: DAY1,
        runId: "run-1" as RunId,
        owner: "w",
        ttlMs: LONG_TTL,
        at: at(2 * HOUR),
        reads: [],
      }));
    assert.deepEqual(touched(running.states), [`${ORDERS}@${DAY1}`]);
    assert.equal(running.states.get(ORDERS)?.get(DAY1)?.lastAttempt?.status, "running");

    const failed = await changesAfter(
      store,
      () =>
        store.steps.finish(ORDERS, DAY1, "run-1" as RunId, {
          attempt: { runId: "run-1" as RunId, status: "failed", at: at(3 * HOUR), error: "boom" },
        }),
    );
    assert.equal(failed.states.get(ORDERS)?.get(DAY1)?.lastAttempt?.error, "boom");
  });

  test("statesSince() returns observed partitions whose version changed, and not the others", async (store) => {
    const observe = (versions: Record<string, string>, hour: number) =>
      store.partitions.recordObservation(
        SOURCE,
        new Map(
          Object.entries(versions).map(([p, v]) => [p as PartitionKey, v as DataVersion]),
        ),
        {},
        at(hour * HOUR),
      );
    await observe({ [DAY1]: "v1", [DAY2]: "v1" }, 1);
    const changed = await changesAfter(store, () => observe({ [DAY1]: "v1", [DAY2]: "v2" }, 2));
    assert.deepEqual(touched(changed.states), [`${SOURCE}@${DAY2}`]);
  });

  test("statesSince() returns an alias that moved", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    await materialize(store, newMaterialization("m-1", "run-1"));
    await materialize(store, newMaterialization("m-2", "run-1", { partition: DAY2 }));
    const move = (to: string, hour: number) =>
      store.aliases.move({
        assetKey: ENRICHED,
        alias: "champion",
        to: to as MaterializationId,
        reason: "test",
        movedBy: "test",
        at: at(hour * HOUR),
      });
    await move("m-1", 1);
    const moved = await changesAfter(store, () => move("m-2", 2));
    assert.deepEqual(touched(moved.states), [`${ENRICHED}@${aliasPartition("champion")}`]);
    assert.equal(
      moved.states.get(ENRICHED)?.get(aliasPartition("champion"))?.current?.dataVersion,
      "data-m-2",
    );
  });

  test("a write whose transaction was open during a read is in the next read", async (store) => {
    // Only a server has a second connection to read from while a transaction is open; PGlite
    // runs one transaction at a time, so no read can fall inside one.
    if (store.database.dialect !== "postgres") return;
    await store.runs.startRun(newRun("run-1"));
    const { mark } = await store.changes.statesSince(undefined);
    let during: Awaited<ReturnType<typeof store.changes.statesSince>> | undefined;
    await store.partitions.transact(async (tx) => {
      await tx.commitPartSet({
        id: "m-open" as MaterializationId,
        runId: "run-1" as RunId,
        assetKey: ORDERS,
        partition: DAY1,
        codeVersion: "code-1" as never,
        startedAt: at(0),
        committedAt: at(HOUR),
        change: () => ({
          parts: ["lake/a"],
          dataVersion: "d" as DataVersion,
          rows: 1,
          inputs: [],
          metadata: {},
        }),
      });
      // A later transaction commits while this one is still open.
      await materialize(store, newMaterialization("m-later", "run-1"));
      during = await store.changes.statesSince(mark);
    });
    assert.deepEqual(touched(during!.states), [`${ENRICHED}@${DAY1}`]);
    const after = await store.changes.statesSince(during!.mark);
    assert.ok(
      touched(after.states).includes(`${ORDERS}@${DAY1}`),
      `the open transaction's write was lost: ${touched(after.states)}`,
    );
  });

  test("statesOf() returns every state of the assets asked for, aliases included", async (store) => {
    await writeStatesWithAlias(store);
    const all = await store.partitions.loadStates();
    // Compared as plain maps: a store may hand back maps that unpack lazily.
    const plain = (index: StateIndex) =>
      new Map([...index].map(([key, states]) => [key, new Map(states)]));
    assert.deepEqual(
      plain(await store.changes.statesOf([ENRICHED, SOURCE])),
      plain(new Map([[ENRICHED, all.get(ENRICHED)!]])),
    );
    assert.deepEqual(
      (await store.changes.statesOf([ENRICHED])).get(ENRICHED)!.get(DAY1),
      all.get(ENRICHED)!.get(DAY1),
      "a partition looked up without iterating the map is the same state",
    );
    assert.deepEqual(touched(await store.changes.statesOf([ENRICHED])), [
      `${ENRICHED}@${DAY1}`,
      `${ENRICHED}@${DAY2}`,
      `${ENRICHED}@${aliasPartition("champion")}`,
    ]);
    assert.deepEqual(await store.changes.statesOf([]), new Map());
  });
}
