// The AliasStore contract: moves with history, compare-and-set, aliases read as `@<alias>`
// partitions, and aliased versions kept by vacuum.
import assert from "node:assert/strict";
import { ConcurrentChangeError, RequestError } from "../../../../runtime/errors.ts";
import { partitionRefKey } from "../../../../runtime/definitions/partition_ref.ts";
import { aliasPartition } from "../../../../runtime/partitions/partition_key.ts";
import { loadPointer } from "../../../../runtime/store/partition_store.ts";
import type { MaterializationId, RunId } from "../../../../runtime/store/metadata_store.ts";
import {
  at,
  DAY1,
  DAY2,
  ENRICHED,
  HOUR,
  materialize,
  newMaterialization,
  newRun,
  ORDERS,
  type StoreTest,
} from "./store_contract_harness.ts";

const CHAMPION = aliasPartition("champion");
const m = (id: string) => id as MaterializationId;

export function aliasStoreContract(test: StoreTest): void {
  test("move() points an alias at a materialization and keeps every move in its history", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    await materialize(store, newMaterialization("m-1", "run-1"));
    await materialize(store, newMaterialization("m-2", "run-1", { partition: DAY2 }));
    const move = (to: string, reason: string, offset: number) =>
      store.aliases.move({
        assetKey: ENRICHED,
        alias: "champion",
        to: m(to),
        reason,
        movedBy: "test",
        at: at(offset),
      });
    const first = await move("m-1", "passed every gate", 1000);
    assert.equal(first.from, undefined);
    const second = await move("m-2", "passed every gate", 2000);
    assert.equal(second.from, "m-1");
    await move("m-1", "rollback", 3000);
    const current = await store.aliases.current(ENRICHED, "champion");
    assert.deepEqual(current, {
      assetKey: ENRICHED,
      alias: "champion",
      materializationId: "m-1",
      partition: DAY1,
      dataVersion: "data-m-1",
      location: "lake/silver/orders_enriched/m-1",
      movedAt: at(3000),
    });
    const history = await store.aliases.history(ENRICHED, "champion", 10);
    assert.deepEqual(
      history.map((h) => [h.from ?? null, h.to, h.reason]),
      [["m-2", "m-1", "rollback"], ["m-1", "m-2", "passed every gate"], [
        null,
        "m-1",
        "passed every gate",
      ]],
    );
    assert.deepEqual((await store.aliases.list()).map((a) => a.materializationId), ["m-1"]);
  });

  test("move() with expectedFrom refuses when the alias moved meanwhile, and one of two racing moves wins", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    for (const id of ["m-1", "m-2", "m-3"]) {
      await materialize(store, newMaterialization(id, "run-1", { committedAt: at(1000) }));
    }
    const move = (to: string, expectedFrom: string | null) =>
      store.aliases.move({
        assetKey: ENRICHED,
        alias: "champion",
        to: m(to),
        reason: "promote",
        movedBy: "test",
        at: at(2000),
        expectedFrom: expectedFrom === null ? null : m(expectedFrom),
      });
    await move("m-1", null);
    const results = await Promise.allSettled([move("m-2", "m-1"), move("m-3", "m-1")]);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r) => r.status === "rejected");
    assert.equal(won.length, 1);
    assert.equal(lost.length, 1);
    assert.ok((lost[0] as PromiseRejectedResult).reason instanceof ConcurrentChangeError);
    const winner = (won[0] as PromiseFulfilledResult<{ to: string }>).value.to;
    assert.equal((await store.aliases.current(ENRICHED, "champion"))?.materializationId, winner);
    const history = await store.aliases.history(ENRICHED, "champion", 10);
    assert.deepEqual(history.map((h) => [h.from, h.to]), [["m-1", winner], [undefined, "m-1"]]);
  });

  test("commitMaterialization() with moveAlias promotes the new version in its own transaction", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    await materialize(store, newMaterialization("m-1", "run-1"));
    const commit = (id: string, expectedFrom: string | null) =>
      store.partitions.commitMaterialization(
        newMaterialization(id, "run-1", { partition: DAY2, committedAt: at(5000) }),
        {
          moveAlias: {
            alias: "champion",
            reason: "passed every gate",
            movedBy: "run run-1",
            expectedFrom: expectedFrom === null ? null : m(expectedFrom),
          },
        },
      );
    await store.leases.claim(ENRICHED, DAY2, "run-1" as RunId, "worker-1", 60_000);
    await commit("m-2", null);
    assert.equal((await store.aliases.current(ENRICHED, "champion"))?.materializationId, "m-2");
    const [move] = await store.aliases.history(ENRICHED, "champion", 10);
    assert.deepEqual([move.from, move.to, move.reason, move.movedBy, move.at], [
      undefined,
      "m-2",
      "passed every gate",
      "run run-1",
      at(5000),
    ]);
    // A candidate that compared itself with a champion that moved meanwhile commits nothing.
    await store.leases.claim(ENRICHED, DAY2, "run-1" as RunId, "worker-1", 60_000);
    await assert.rejects(commit("m-3", "m-1"), ConcurrentChangeError);
    assert.equal(await store.partitions.getMaterialization(m("m-3")), undefined);
    assert.equal((await loadPointer(store.partitions, ENRICHED, DAY2))?.materializationId, "m-2");
    assert.equal((await store.aliases.history(ENRICHED, "champion", 10)).length, 1);
  });

  test("move() refuses a materialization of another asset or one that does not exist", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    await materialize(store, newMaterialization("m-1", "run-1", { assetKey: ORDERS }));
    for (const to of ["m-1", "m-404"]) {
      await assert.rejects(
        store.aliases.move({
          assetKey: ENRICHED,
          alias: "champion",
          to: m(to),
          reason: "x",
          movedBy: "test",
          at: at(0),
        }),
        (error: unknown) => error instanceof RequestError && error.message.includes(`at ${to}`),
      );
    }
    assert.equal(await store.aliases.current(ENRICHED, "champion"), undefined);
  });

  test("an alias reads as partition @<alias> of its asset in loadStates() and loadPointers()", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    await materialize(store, newMaterialization("m-1", "run-1"));
    await materialize(store, newMaterialization("m-2", "run-1", { committedAt: at(5000) }));
    await store.aliases.move({
      assetKey: ENRICHED,
      alias: "champion",
      to: m("m-1"),
      reason: "x",
      movedBy: "test",
      at: at(9000),
    });
    const states = await store.partitions.loadStates();
    assert.deepEqual(states.get(ENRICHED)?.get(CHAMPION), {
      current: {
        dataVersion: "data-m-1",
        codeVersion: "code-1",
        inputSignature: undefined,
        at: at(9000),
      },
      lastAttempt: undefined,
    });
    // The partition itself points at m-2; the alias still at m-1.
    assert.equal(states.get(ENRICHED)?.get(DAY1)?.current?.dataVersion, "data-m-2");
    const pointers = await store.partitions.loadPointers([
      { assetKey: ENRICHED, partition: CHAMPION },
      { assetKey: ORDERS, partition: CHAMPION },
    ]);
    assert.equal(pointers.size, 1);
    const pointer = pointers.get(partitionRefKey(ENRICHED, CHAMPION))!;
    assert.equal(pointer.materializationId, "m-1");
    assert.equal(pointer.location, "lake/silver/orders_enriched/m-1");
    assert.equal(pointer.at.getTime(), at(9000).getTime());
  });

  test("trim() keeps every materialization an alias points or pointed at", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    await materialize(store, newMaterialization("m-1", "run-1", { committedAt: at(1000) }));
    await materialize(store, newMaterialization("m-2", "run-1", { committedAt: at(2000) }));
    await materialize(store, newMaterialization("m-3", "run-1", { committedAt: at(3000) }));
    for (const to of ["m-1", "m-2"]) {
      await store.aliases.move({
        assetKey: ENRICHED,
        alias: "champion",
        to: m(to),
        reason: "x",
        movedBy: "test",
        at: at(4000),
      });
    }
    await store.runs.finishRun("run-1" as RunId, "succeeded", {}, at(5000));
    await store.maintenance.trim(at(48 * HOUR), false);
    // m-3 is current, m-2 is the champion, m-1 the previous one (a rollback target).
    for (const id of ["m-1", "m-2", "m-3"]) {
      assert.ok(await store.partitions.getMaterialization(m(id)), id);
    }
    assert.deepEqual(
      [...await store.maintenance.referencedLocations(at(48 * HOUR))].sort(),
      [
        "lake/silver/orders_enriched/m-1",
        "lake/silver/orders_enriched/m-2",
        "lake/silver/orders_enriched/m-3",
      ],
    );
  });
}
