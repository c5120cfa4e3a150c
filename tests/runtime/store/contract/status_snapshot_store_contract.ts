// The StatusSnapshotStore contract: nothing stored at first; a replace stores a whole set at one
// mark, replacing every row; a replace from a mark that is no longer the stored one changes
// nothing, so two readers never mix their sets.
import assert from "node:assert/strict";
import type { AssetKey } from "../../../../runtime/definitions/asset_key.ts";
import type { ChangeMark, StatusSnapshotSet } from "../../../../runtime/store/metadata_store.ts";
import type { StoreTest } from "./store_contract_harness.ts";

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
}
