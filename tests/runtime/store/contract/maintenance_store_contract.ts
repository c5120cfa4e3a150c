// The MaintenanceStore contract: trimming keeps whatever is current, and referenced locations
// are every part of every pointer and retained materialization.
import assert from "node:assert/strict";
import { partSetLocation } from "../../../../runtime/definitions/part_set.ts";
import type { RunId } from "../../../../runtime/store/metadata_store.ts";
import {
  at,
  DAY1,
  DAY2,
  HOUR,
  LONG_TTL,
  materialize,
  newMaterialization,
  newRun,
  ORDERS,
  sleep,
  type StoreTest,
} from "./store_contract_harness.ts";

export function maintenanceStoreContract(test: StoreTest): void {
  test("trim() deletes superseded materializations and finished runs before the cutoff, keeping current ones", async (store) => {
    await store.runs.startRun(newRun("run-old", at(0)));
    await store.runs.startRun(newRun("run-new", at(48 * HOUR)));
    await materialize(store, newMaterialization("m-old", "run-old", { committedAt: at(1000) }));
    await materialize(
      store,
      newMaterialization("m-kept", "run-old", { partition: DAY2, committedAt: at(2000) }),
    );
    await materialize(
      store,
      newMaterialization("m-new", "run-new", { committedAt: at(48 * HOUR + 1000) }),
    );
    await store.runs.finishRun("run-old" as RunId, "succeeded", {}, at(3000));
    const cutoff = at(24 * HOUR);

    const dry = await store.maintenance.trim(cutoff, true);
    assert.equal(dry.materializations, 1);
    assert.ok(await store.partitions.getMaterialization("m-old" as never));

    const real = await store.maintenance.trim(cutoff, false);
    assert.deepEqual(real, dry);
    assert.equal(await store.partitions.getMaterialization("m-old" as never), undefined);
    // m-kept is old but current (DAY2's pointer), so it and its run stay.
    assert.ok(await store.partitions.getMaterialization("m-kept" as never));
    assert.equal(real.runs, 0);
    assert.deepEqual(await store.maintenance.trim(cutoff, false), {
      materializations: 0,
      run_logs: 0,
      runs: 0,
      asset_observations: 0,
      check_results: 0,
    });
  });

  test("referencedLocations() lists every part of current pointers and retained materializations", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    await materialize(store, newMaterialization("m-1", "run-1", { location: "s3://b/one/" }));
    await materialize(
      store,
      newMaterialization("m-2", "run-1", {
        partition: DAY2,
        location: partSetLocation(["s3://b/p1/", "s3://b/p2"]),
      }),
    );
    assert.deepEqual(
      [...await store.maintenance.referencedLocations(at(0))].sort(),
      ["s3://b/one", "s3://b/p1", "s3://b/p2"],
    );
  });

  test("inFlightSince() is when the oldest run holding a lease started, expired leases too", async (store) => {
    assert.equal(await store.maintenance.inFlightSince(), undefined);
    await store.runs.startRun(newRun("run-early", at(0)));
    await store.runs.startRun(newRun("run-late", at(HOUR)));
    await store.leases.claim(ORDERS, DAY1, "run-late" as RunId, "b", LONG_TTL);
    assert.deepEqual(await store.maintenance.inFlightSince(), at(HOUR));
    // An expired lease not yet released: its run may still commit, so it counts.
    await store.leases.claim(ORDERS, DAY2, "run-early" as RunId, "a", 1);
    await sleep(20);
    assert.deepEqual(await store.maintenance.inFlightSince(), at(0));
    await store.leases.releaseRun("run-early" as RunId);
    await store.leases.releaseRun("run-late" as RunId);
    assert.equal(await store.maintenance.inFlightSince(), undefined);
  });
}
