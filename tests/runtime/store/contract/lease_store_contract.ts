// The LeaseStore contract: the cases every backend's store passes.
import assert from "node:assert/strict";
import { type RunId } from "../../../../runtime/store/metadata_store.ts";
import {
  DAY1,
  DAY2,
  ENRICHED,
  LONG_TTL,
  newRun,
  NONE,
  ORDERS,
  sleep,
  type StoreTest,
} from "./store_contract_harness.ts";

export function leaseStoreContract(test: StoreTest): void {
  test("claim() refuses a live lease of another run and reports its holder", async (store) => {
    const first = await store.leases.claim(ORDERS, DAY1, "run-1" as RunId, "host-a:1", LONG_TTL);
    assert.deepEqual(first, { claimed: true });
    const second = await store.leases.claim(ORDERS, DAY1, "run-2" as RunId, "host-b:2", LONG_TTL);
    assert.equal(second.claimed, false);
    if (second.claimed) return;
    assert.equal(second.heldBy.runId, "run-1");
    assert.equal(second.heldBy.owner, "host-a:1");
    assert.equal(second.heldBy.assetKey, ORDERS);
    assert.equal(second.heldBy.partition, DAY1);
    assert.ok(second.heldBy.expiresAt.getTime() > Date.now() + LONG_TTL / 2);
    const other = await store.leases.claim(ORDERS, DAY2, "run-2" as RunId, "host-b:2", LONG_TTL);
    assert.deepEqual(other, { claimed: true });
  });

  test("claim() takes over a lease once it has expired", async (store) => {
    await store.leases.claim(ORDERS, DAY1, "run-1" as RunId, "host-a:1", 1);
    await sleep(20);
    const claim = await store.leases.claim(ORDERS, DAY1, "run-2" as RunId, "host-b:2", LONG_TTL);
    assert.deepEqual(claim, { claimed: true });
    assert.deepEqual((await store.leases.listLeases()).map((lease) => lease.runId), ["run-2"]);
  });

  test("claim() by the run that holds the lease extends it", async (store) => {
    await store.leases.claim(ORDERS, NONE, "run-1" as RunId, "host-a:1", 1);
    const again = await store.leases.claim(ORDERS, NONE, "run-1" as RunId, "host-a:1", LONG_TTL);
    assert.deepEqual(again, { claimed: true });
    await sleep(20);
    const [lease] = await store.leases.listLeases();
    assert.equal(lease.partition, "");
    assert.ok(lease.expiresAt.getTime() > Date.now() + LONG_TTL / 2);
  });

  test("claim() lets exactly one of several racing runs win a partition", async (store) => {
    const runs = ["run-1", "run-2", "run-3", "run-4"];
    const results = await Promise.all(
      runs.map((run) => store.leases.claim(ORDERS, DAY1, run as RunId, run, LONG_TTL)),
    );
    assert.equal(results.filter((result) => result.claimed).length, 1);
    const winner = runs[results.findIndex((result) => result.claimed)];
    for (const result of results) {
      if (!result.claimed) assert.equal(result.heldBy.runId, winner);
    }
  });

  test("renewLeases() extends every lease of a run and returns how many it holds", async (store) => {
    await store.leases.claim(ORDERS, DAY1, "run-1" as RunId, "a", 1);
    await store.leases.claim(ORDERS, DAY2, "run-1" as RunId, "a", 1);
    await store.leases.claim(ENRICHED, DAY1, "run-2" as RunId, "b", 1);
    assert.equal(await store.leases.renewLeases("run-1" as RunId, LONG_TTL), 2);
    assert.equal(await store.leases.renewLeases("run-9" as RunId, LONG_TTL), 0);
    await sleep(20);
    const live = await store.leases.listLeases();
    assert.deepEqual(live.map((lease) => [lease.assetKey, lease.partition]), [
      [ORDERS, DAY1],
      [ORDERS, DAY2],
    ]);
  });

  test("a lease carries the process identity its run recorded", async (store) => {
    await store.runs.startRun({ ...newRun("run-1"), processStart: "777", processScope: "boot/ns" });
    await store.leases.claim(ORDERS, DAY1, "run-1" as RunId, "worker-1:4242", LONG_TTL);
    await store.leases.claim(ORDERS, DAY2, "run-9" as RunId, "elsewhere:1", LONG_TTL);
    const held = await store.leases.claim(ORDERS, DAY1, "run-2" as RunId, "b", LONG_TTL);
    assert.equal(held.claimed, false);
    if (held.claimed) return;
    const holder = { host: "worker-1", pid: 4242, start: "777", scope: "boot/ns" };
    assert.deepEqual(held.heldBy.holder, holder);
    const leases = await store.leases.listLeases();
    assert.deepEqual(leases.map((lease) => [lease.runId, lease.holder]), [
      ["run-1", holder],
      ["run-9", undefined],
    ]);
  });

  test("releaseRun() frees every lease of one run and says how many", async (store) => {
    await store.leases.claim(ORDERS, DAY1, "run-1" as RunId, "a", LONG_TTL);
    await store.leases.claim(ORDERS, DAY2, "run-1" as RunId, "a", LONG_TTL);
    await store.leases.claim(ENRICHED, DAY1, "run-2" as RunId, "b", LONG_TTL);
    assert.equal(await store.leases.releaseRun("run-1" as RunId), 2);
    assert.equal(await store.leases.releaseRun("run-1" as RunId), 0);
    assert.deepEqual((await store.leases.listLeases()).map((lease) => lease.runId), ["run-2"]);
    const claim = await store.leases.claim(ORDERS, DAY2, "run-3" as RunId, "c", LONG_TTL);
    assert.deepEqual(claim, { claimed: true });
  });

  test("release() frees a partition only for the run that holds it", async (store) => {
    await store.leases.claim(ORDERS, DAY1, "run-1" as RunId, "a", LONG_TTL);
    await store.leases.release(ORDERS, DAY1, "run-2" as RunId);
    assert.equal((await store.leases.listLeases()).length, 1);
    await store.leases.release(ORDERS, DAY1, "run-1" as RunId);
    assert.deepEqual(await store.leases.listLeases(), []);
    const claim = await store.leases.claim(ORDERS, DAY1, "run-2" as RunId, "b", LONG_TTL);
    assert.deepEqual(claim, { claimed: true });
  });
}
