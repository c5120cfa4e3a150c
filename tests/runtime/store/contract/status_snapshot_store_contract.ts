// The StatusSnapshotStore contract: nothing stored at first; a replace stores a whole set at one
// mark, replacing every row; a replace from a mark that is no longer the stored one changes
// nothing, so two readers never mix their sets. A read with states returns the set, every state
// as loadStates() has them and exactly the partitions written since the set's mark.
import assert from "node:assert/strict";
import type { AssetKey } from "../../../../runtime/definitions/asset_key.ts";
import { aliasPartition } from "../../../../runtime/partitions/partition_key.ts";
import type {
  ChangeMark,
  MaterializationId,
  StatusSnapshotSet,
} from "../../../../runtime/store/metadata_store.ts";
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
  writeStatesWithAlias,
} from "./store_contract_harness.ts";

const A = "gold.a" as AssetKey;
const B = "gold.b" as AssetKey;

function set(mark: string, ...keys: AssetKey[]): StatusSnapshotSet {
  return {
    mark: mark as ChangeMark,
    assets: keys.map((key) => ({ assetKey: key, fingerprint: `f-${key}`, statuses: `s-${mark}` })),
  };
}

const byKey = (snapshots: StatusSnapshotSet | undefined) =>
  snapshots &&
  { ...snapshots, assets: [...snapshots.assets].sort((a, b) => a.assetKey < b.assetKey ? -1 : 1) };

export function statusSnapshotStoreContract(test: StoreTest): void {
  test("a store holds no status snapshots until one is written", async (store) => {
    assert.equal(await store.snapshots.read(), undefined);
  });

  test("replace() stores a set at its mark and replaces every row of the one before", async (store) => {
    assert.equal(await store.snapshots.replace(undefined, set("10:10:", A, B)), true);
    assert.deepEqual(byKey(await store.snapshots.read()), set("10:10:", A, B));
    assert.equal(await store.snapshots.replace("10:10:" as ChangeMark, set("12:12:", B)), true);
    assert.deepEqual(await store.snapshots.read(), set("12:12:", B));
    assert.equal(await store.snapshots.replace("12:12:" as ChangeMark, set("13:13:")), true);
    assert.deepEqual(await store.snapshots.read(), set("13:13:"));
  });

  test("replace() from a mark no longer stored changes nothing and says so", async (store) => {
    assert.equal(await store.snapshots.replace(undefined, set("10:10:", A)), true);
    // Two readers of the first set: the second to replace it loses.
    assert.equal(await store.snapshots.replace("10:10:" as ChangeMark, set("11:11:", B)), true);
    assert.equal(await store.snapshots.replace("10:10:" as ChangeMark, set("12:12:", A)), false);
    assert.equal(await store.snapshots.replace(undefined, set("12:12:", A)), false);
    assert.deepEqual(await store.snapshots.read(), set("11:11:", B));
  });

  test("concurrent replaces of one set: exactly one wins", async (store) => {
    assert.equal(await store.snapshots.replace(undefined, set("10:10:", A)), true);
    const results = await Promise.all(
      ["11:11:", "12:12:", "13:13:"].map((mark) =>
        store.snapshots.replace("10:10:" as ChangeMark, set(mark, A, B))
      ),
    );
    assert.equal(results.filter((won) => won).length, 1);
    const winner = ["11:11:", "12:12:", "13:13:"][results.indexOf(true)];
    assert.deepEqual(byKey(await store.snapshots.read()), set(winner, A, B));
  });

  test("readWithStates() returns every state as loadStates() does, each partition looked up or iterated", async (store) => {
    await writeStatesWithAlias(store);
    const expected = await store.partitions.loadStates();
    const first = await store.snapshots.readWithStates();
    assert.equal(first.stored, undefined);
    // One by one first (found in the packed text), then whole.
    for (const [key, partitions] of expected) {
      for (const [partition, state] of partitions) {
        assert.deepEqual(first.states.get(key)?.get(partition), state);
      }
      assert.equal(first.states.get(key)?.get("2030-01-01" as never), undefined);
    }
    const plain = new Map([...first.states].map(([key, states]) => [key, new Map(states)]));
    assert.deepEqual(plain, expected);
  });

  test("readWithStates() names the partitions and aliases written since the stored set's mark", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    await materialize(store, newMaterialization("m-1", "run-1"));
    const { mark } = await store.snapshots.readWithStates();
    assert.equal(await store.snapshots.replace(undefined, { ...set("x", A), mark }), true);
    const unchanged = await store.snapshots.readWithStates();
    assert.deepEqual(byKey(unchanged.stored), { ...set("x", A), mark });
    assert.equal(unchanged.changed.size, 0);
    await materialize(store, newMaterialization("m-2", "run-1", { partition: DAY2 }));
    await materialize(store, newMaterialization("m-3", "run-1", { assetKey: ORDERS }));
    await store.aliases.move({
      assetKey: ENRICHED,
      alias: "champion",
      to: "m-2" as MaterializationId,
      reason: "test",
      movedBy: "test",
      at: at(HOUR),
    });
    const changed = await store.snapshots.readWithStates();
    assert.deepEqual(
      new Map([...changed.changed].map(([key, partitions]) => [key, [...partitions].sort()])),
      new Map([[ENRICHED, [aliasPartition("champion"), DAY2].sort()], [ORDERS, [DAY1]]]),
    );
    assert.notEqual(changed.mark, mark);
  });
}
