// The RunQueueStore contract: the cases every backend's store passes.
import assert from "node:assert/strict";
import type { AssetKey } from "../../../../runtime/definitions/asset_key.ts";
import type { PartitionKey } from "../../../../runtime/partitions/partition_key.ts";
import { IN_PLACE_CLAIMER_PREFIX } from "../../../../runtime/store/run_queue_store.ts";
import type {
  DaemonId,
  MetadataStore,
  NewDaemon,
  NewRunRequest,
  RunId,
  RunRequestId,
} from "../../../../runtime/store/metadata_store.ts";
import { at, DAY1, LONG_TTL, newRun, sleep, type StoreTest } from "./store_contract_harness.ts";

export function request(overrides: Partial<NewRunRequest> = {}): NewRunRequest {
  return {
    kind: "materialize",
    selection: "group:gold",
    partitions: "2026-11-01",
    tags: {},
    origin: "cli",
    ...overrides,
  };
}

export function daemon(id: string, overrides: Partial<NewDaemon> = {}): NewDaemon {
  return {
    id: id as DaemonId,
    host: "worker-1",
    pid: 4242,
    processStart: undefined,
    processScope: undefined,
    ttlMs: 60_000,
    maxRuns: 2,
    ...overrides,
  };
}

const D1 = "daemon-1" as DaemonId;
const D2 = "daemon-2" as DaemonId;

async function claimAll(store: MetadataStore, id: DaemonId): Promise<string[]> {
  const claimed: string[] = [];
  for (;;) {
    const next = await store.queue.claim(id, []);
    if (next === undefined) return claimed;
    claimed.push(next.id);
  }
}

export function runQueueStoreContract(test: StoreTest): void {
  test("enqueue() returns ids in the order given and get() reads each request back", async (store) => {
    const ids = await store.queue.enqueue([
      request({ selection: "a", tags: { warehouse: "1" }, origin: "ui", originName: "alice" }),
      request({ selection: "b", partitions: undefined, force: true }),
      request({ kind: "vacuum", selection: "", origin: "schedule", originName: "vacuum_daily" }),
    ]);
    assert.equal(ids.length, 3);
    assert.deepEqual(ids.map(Number), [Number(ids[0]), Number(ids[0]) + 1, Number(ids[0]) + 2]);
    const first = await store.queue.get(ids[0]);
    assert.deepEqual(
      { ...first, createdAt: undefined },
      {
        id: ids[0],
        runKey: undefined,
        kind: "materialize",
        selection: "a",
        partitions: "2026-11-01",
        force: false,
        tags: { warehouse: "1" },
        origin: "ui",
        originName: "alice",
        status: "queued",
        cancelRequested: false,
        createdAt: undefined,
        dueAt: undefined,
        claimedAt: undefined,
        finishedAt: undefined,
        daemonId: undefined,
        claimedBy: undefined,
        runId: undefined,
        runIds: [],
        claims: 0,
        requeues: 0,
        message: undefined,
      },
    );
    const second = await store.queue.get(ids[1]);
    assert.equal(second?.partitions, undefined);
    assert.equal(second?.force, true);
    assert.equal((await store.queue.get(ids[2]))?.kind, "vacuum");
    assert.equal(await store.queue.get("999999" as RunRequestId), undefined);
    assert.equal(await store.queue.get("not-a-number" as RunRequestId), undefined);
  });

  test("enqueue() with a run key already taken is a no-op returning the existing id", async (store) => {
    const [first] = await store.queue.enqueue([request({ runKey: "sensor:s:k1" })]);
    const again = await store.queue.enqueue([
      request({ runKey: "sensor:s:k2" }),
      request({ runKey: "sensor:s:k1", selection: "other" }),
      request({ runKey: "sensor:s:k2" }),
    ]);
    assert.equal(again[1], first);
    assert.equal(again[2], again[0]);
    assert.notEqual(again[0], first);
    const all = await store.queue.list({});
    assert.equal(all.length, 2);
    assert.equal((await store.queue.get(first))?.selection, "group:gold");
  });

  test("concurrent enqueues of one run key store one request and agree on its id", async (store) => {
    const results = await Promise.all(
      Array.from({ length: 6 }, () => store.queue.enqueue([request({ runKey: "tick:x" })])),
    );
    assert.equal(new Set(results.map(([id]) => id)).size, 1);
    assert.equal((await store.queue.list({})).length, 1);
  });

  test("claim() takes the oldest queued request once; list() filters and orders newest first", async (store) => {
    await store.queue.registerDaemon(daemon(D1));
    await store.queue.registerDaemon(daemon(D2));
    const ids = await store.queue.enqueue([request(), request(), request()]);
    const first = await store.queue.claim(D1, []);
    assert.equal(first?.id, ids[0]);
    assert.equal(first?.status, "running");
    assert.equal(first?.daemonId, D1);
    assert.equal(first?.claimedBy, D1);
    assert.equal(first?.claims, 1);
    assert.ok(first?.claimedAt instanceof Date);
    assert.equal((await store.queue.claim(D2, []))?.id, ids[1]);
    assert.deepEqual(await store.queue.depth(), { queued: 1, running: 2 });
    assert.deepEqual(
      (await store.queue.list({ statuses: ["running"] })).map((r) => r.id),
      [ids[1], ids[0]],
    );
    assert.deepEqual((await store.queue.list({ daemonId: D2 })).map((r) => r.id), [ids[1]]);
    assert.deepEqual((await store.queue.list({ limit: 1 })).map((r) => r.id), [ids[2]]);
  });

  test("claims and lists follow the numeric order of ids, past 9 and 10", async (store) => {
    await store.queue.registerDaemon(daemon(D1));
    const ids = await store.queue.enqueue(Array.from({ length: 12 }, () => request()));
    assert.deepEqual(
      (await store.queue.list({})).map((r) => r.id),
      [...ids].reverse(),
    );
    assert.deepEqual(await claimAll(store, D1), ids);
  });

  test("daemons claiming at once take each request exactly once", async (store) => {
    const daemons = ["a", "b", "c"].map((d) => `daemon-${d}` as DaemonId);
    for (const id of daemons) await store.queue.registerDaemon(daemon(id));
    const ids = await store.queue.enqueue(Array.from({ length: 30 }, () => request()));
    const claimed = (await Promise.all(daemons.map((id) => claimAll(store, id)))).flat();
    assert.deepEqual(claimed.sort((a, b) => Number(a) - Number(b)), ids);
  });

  test("a tag limit holds across daemons claiming at once", async (store) => {
    const daemons = ["a", "b", "c"].map((d) => `daemon-${d}` as DaemonId);
    for (const id of daemons) await store.queue.registerDaemon(daemon(id));
    const ids = await store.queue.enqueue([
      request({ tags: { warehouse: "publish" } }),
      request({ tags: { warehouse: "marts" } }),
      request({ tags: { pool: "gpu" } }),
      request({ tags: { pool: "cpu" } }),
      request({ tags: { pool: "gpu" } }),
    ]);
    const limits = [{ key: "warehouse", limit: 1 }, { key: "pool", value: "gpu", limit: 1 }];
    const rounds = await Promise.all(daemons.map(async (id) => {
      const got: string[] = [];
      for (let i = 0; i < 4; i++) {
        const next = await store.queue.claim(id, limits);
        if (next) got.push(next.id);
      }
      return got;
    }));
    // A daemon that found a tag being decided by another leaves it for its next round: sweep.
    for (let next = await store.queue.claim(daemons[0], limits); next;) {
      rounds.push([next.id]);
      next = await store.queue.claim(daemons[0], limits);
    }
    const claimed = rounds.flat().sort((a, b) => Number(a) - Number(b));
    // One warehouse request, one gpu request, and the cpu one (no limit applies to it).
    const running = await store.queue.list({ statuses: ["running"] });
    assert.equal(running.filter((r) => "warehouse" in r.tags).length, 1);
    assert.equal(running.filter((r) => r.tags.pool === "gpu").length, 1);
    assert.ok(claimed.includes(ids[3]));
    assert.equal(claimed.length, 3);
    // Once the running warehouse request ends, the other may go.
    const warehouse = running.find((r) => "warehouse" in r.tags)!;
    assert.equal(
      await store.queue.finish(warehouse.id, warehouse.claimedBy!, "succeeded", "ok"),
      true,
    );
    const next = await store.queue.claim(daemons[0], limits);
    assert.ok(next !== undefined && "warehouse" in next.tags && next.id !== warehouse.id);
  });

  test("attachRun(), finish() and release() act only for the process that holds the request", async (store) => {
    await store.queue.registerDaemon(daemon(D1));
    const [id] = await store.queue.enqueue([request()]);
    await store.queue.claim(D1, []);
    assert.equal(await store.queue.attachRun(id, "someone-else", "run-x" as RunId), false);
    assert.equal(await store.queue.attachRun(id, D1, "run-1" as RunId), true);
    assert.equal(await store.queue.release(id, D1, "daemon daemon-1 shut down; re-queued"), true);
    const released = await store.queue.get(id);
    assert.equal(released?.status, "queued");
    assert.equal(released?.claimedBy, undefined);
    assert.equal(released?.message, "daemon daemon-1 shut down; re-queued");
    await store.queue.claim(D1, []);
    assert.equal(await store.queue.attachRun(id, D1, "run-2" as RunId), true);
    assert.equal(await store.queue.finish(id, "someone-else", "failed", "x"), false);
    assert.equal(await store.queue.finish(id, D1, "succeeded", "2 steps succeeded"), true);
    assert.equal(await store.queue.finish(id, D1, "failed", "again"), false);
    const done = await store.queue.get(id);
    assert.equal(done?.status, "succeeded");
    assert.equal(done?.runId, "run-2");
    assert.deepEqual(done?.runIds, ["run-1", "run-2"]);
    assert.equal(done?.claims, 2);
    assert.equal(done?.message, "2 steps succeeded");
    assert.ok(done?.finishedAt instanceof Date);
  });

  test("cancel() ends a queued request at once and asks a running one's daemon to stop it", async (store) => {
    await store.queue.registerDaemon(daemon(D1));
    const [running, queued] = await store.queue.enqueue([request(), request()]);
    await store.queue.claim(D1, []);
    assert.equal(await store.queue.cancel(queued), true);
    assert.equal((await store.queue.get(queued))?.status, "cancelled");
    assert.equal(await store.queue.cancel(queued), false);
    assert.equal(await store.queue.cancel(running), true);
    assert.equal(await store.queue.cancel(running), false);
    const asked = await store.queue.get(running);
    assert.equal(asked?.status, "running");
    assert.equal(asked?.cancelRequested, true);
    assert.deepEqual(await store.queue.heartbeat(D1), { alive: true, cancelRequested: [running] });
    assert.equal(await store.queue.cancel("42424242" as RunRequestId), false);
  });

  test("listRunsOutsideQueue() lists the runs no request started, newest first, by status", async (store) => {
    await store.runs.startRun(newRun("run-materialize", at(0)));
    await store.runs.startRun({ ...newRun("run-ingest", at(2_000)), command: "ingest" });
    await store.runs.startRun({ ...newRun("run-killed", at(3_000)), command: "materialize" });
    assert.equal(
      await store.runs.abandonRun("run-killed" as RunId, "its process 4242 is gone", at(4_000)),
      true,
    );
    // A request's run is never outside the queue, even a re-queued request's earlier run.
    const [id] = await store.queue.enqueue([request()]);
    await store.queue.registerDaemon(daemon(D1));
    await store.queue.claim(D1, []);
    await store.queue.attachRun(id, D1, "run-of-request" as RunId);
    await store.runs.startRun({ ...newRun("run-of-request", at(5_000)), command: `request ${id}` });

    const all = await store.queue.listRunsOutsideQueue();
    assert.deepEqual(
      all.map((run) => [run.id, run.command, run.status]),
      [
        ["run-killed", "materialize", "abandoned"],
        ["run-ingest", "ingest", "running"],
        ["run-materialize", "materialize", "running"],
      ],
    );
    assert.deepEqual(all[0].summary, { reason: "its process 4242 is gone" });
    assert.deepEqual(all[0].finishedAt, at(4_000));
    const abandoned = await store.queue.listRunsOutsideQueue({ statuses: ["abandoned"] });
    assert.deepEqual(abandoned.map((run) => run.id), ["run-killed"]);
    const newest = await store.queue.listRunsOutsideQueue({ limit: 1 });
    assert.deepEqual(newest.map((run) => run.id), ["run-killed"]);
    assert.deepEqual(await store.queue.listRunsOutsideQueue({ statuses: ["failed"] }), []);
  });

  test("claimInPlace() takes a queued request for a process that is not a daemon", async (store) => {
    const [id] = await store.queue.enqueue([request({ origin: "ui" })]);
    const claimed = await store.queue.claimInPlace(id, "ui@host:1");
    assert.equal(claimed?.status, "running");
    assert.equal(claimed?.daemonId, undefined);
    assert.equal(claimed?.claimedBy, "ui@host:1");
    assert.equal(await store.queue.claimInPlace(id, "ui@host:2"), undefined);
    await store.queue.registerDaemon(daemon(D1));
    assert.equal(await store.queue.claim(D1, []), undefined);
  });

  test("claimInPlace() by a registered in-place claimer: no live daemon, but its dead process's request is re-queued once with its leases freed", async (store) => {
    const claimer = `${IN_PLACE_CLAIMER_PREFIX}ui@worker-1:4242:ab12` as DaemonId;
    await store.queue.registerDaemon(daemon(claimer, { maxRuns: 1 }));
    await store.queue.registerDaemon(daemon(D1));
    assert.deepEqual((await store.queue.liveDaemons()).map((d) => d.id), [D1]);
    const [id] = await store.queue.enqueue([request({ origin: "ui" })]);
    const claimed = await store.queue.claimInPlace(id, claimer, claimer);
    assert.deepEqual([claimed?.status, claimed?.daemonId, claimed?.claimedBy], [
      "running",
      claimer,
      claimer,
    ]);
    assert.equal(await store.queue.attachRun(id, claimer, "run-ui" as RunId), true);
    await store.runs.startRun(newRun("run-ui"));
    await store.leases.claim(
      "gold.x" as AssetKey,
      DAY1 as PartitionKey,
      "run-ui" as RunId,
      "worker-1:4242",
      LONG_TTL,
    );
    // Its heartbeat says alive (and what to cancel), as a daemon's does.
    assert.deepEqual(await store.queue.heartbeat(claimer), { alive: true, cancelRequested: [] });

    const reaped = await store.queue.reapDeadDaemons({
      requeueLimit: 1,
      isDead: (d) => d.id === claimer ? "its process worker-1:4242 is gone" : undefined,
    });
    assert.deepEqual(reaped, [{
      id,
      daemonId: claimer,
      runId: "run-ui",
      status: "queued",
      leasesFreed: 1,
    }]);
    assert.deepEqual(await store.leases.listLeases(), []);
    const requeued = (await store.queue.get(id))!;
    assert.deepEqual([requeued.status, requeued.requeues, requeued.claimedBy], [
      "queued",
      1,
      undefined,
    ]);
    assert.match(
      requeued.message ?? "",
      /^daemon in-place:ui@worker-1:4242:ab12 died \(declared dead: its process worker-1:4242 is gone\); re-queued, 1 of 1$/,
    );
    assert.equal((await store.queue.claim(D1, []))?.id, id);
  });

  test("liveDaemons() lists daemons within their TTL; a lapsed one is reaped and its requests re-queued once", async (store) => {
    await store.queue.registerDaemon(daemon(D1, { ttlMs: 200 }));
    await store.queue.registerDaemon(daemon(D2));
    assert.deepEqual((await store.queue.liveDaemons()).map((d) => d.id).sort(), [D1, D2]);
    const [first, second] = await store.queue.enqueue([request(), request()]);
    await store.queue.claim(D1, []);
    await store.queue.attachRun(first, D1, "run-1" as RunId);
    await store.runs.startRun(newRun("run-1"));
    const claim = await store.leases.claim(
      "gold.x" as AssetKey,
      DAY1 as PartitionKey,
      "run-1" as RunId,
      "worker-1:4242",
      LONG_TTL,
    );
    assert.deepEqual(claim, { claimed: true });
    await sleep(300);
    assert.deepEqual((await store.queue.liveDaemons()).map((d) => d.id), [D2]);
    const reaped = await store.queue.reapDeadDaemons({ requeueLimit: 1 });
    assert.deepEqual(reaped, [{
      id: first,
      daemonId: D1,
      runId: "run-1",
      status: "queued",
      leasesFreed: 1,
    }]);
    assert.deepEqual(await store.queue.reapDeadDaemons({ requeueLimit: 1 }), []);
    assert.deepEqual(await store.leases.listLeases(), []);
    const requeued = await store.queue.get(first);
    assert.equal(requeued?.status, "queued");
    assert.equal(requeued?.requeues, 1);
    assert.match(requeued?.message ?? "", /^daemon daemon-1 died \(declared dead: no heartbeat/);
    assert.deepEqual(await store.queue.heartbeat(D1), { alive: false });
    const [dead] = (await store.queue.listDaemons(10)).filter((d) => d.id === D1);
    assert.equal(dead.status, "dead");

    // D2 takes it (the oldest queued), dies too: the request was re-queued once, so it fails.
    assert.equal((await store.queue.claim(D2, []))?.id, first);
    const reaper = await store.queue.reapDeadDaemons({
      requeueLimit: 1,
      isDead: (d) => d.id === D2 ? "its process worker-1:4242 is gone" : undefined,
    });
    assert.deepEqual(reaper.map((r) => [r.id, r.status]), [[first, "failed"]]);
    const failed = await store.queue.get(first);
    assert.equal(failed?.status, "failed");
    assert.match(failed?.message ?? "", /not re-queued: it was re-queued 1 times already/);
    assert.equal((await store.queue.get(second))?.status, "queued");
  });

  test("trim() drops requests that ended before the cutoff and the stopped daemons nothing names", async (store) => {
    await store.queue.registerDaemon(daemon(D1));
    await store.queue.registerDaemon(daemon(D2));
    const [done, running, queued] = await store.queue.enqueue([request(), request(), request()]);
    await store.queue.claim(D1, []);
    await store.queue.finish(done, D1, "succeeded", "ok");
    await store.queue.claim(D2, []);
    await store.queue.setDaemonStatus(D1, "stopped", "SIGTERM");
    await store.queue.setDaemonStatus(D2, "stopped", "SIGTERM");
    await sleep(20);
    const cutoff = new Date(Date.now() + 60_000);
    // D2's request is still running (a daemon that stopped badly): it and D2 stay.
    assert.deepEqual(await store.queue.trim(cutoff, true), { run_requests: 1, daemons: 1 });
    assert.equal((await store.queue.list({})).length, 3);
    assert.deepEqual(await store.queue.trim(new Date(0), false), { run_requests: 0, daemons: 0 });
    assert.deepEqual(await store.queue.trim(cutoff, false), { run_requests: 1, daemons: 1 });
    assert.deepEqual((await store.queue.list({})).map((r) => r.id), [queued, running]);
    assert.deepEqual((await store.queue.listDaemons(10)).map((d) => d.id), [D2]);
  });

  test("setDaemonStatus() stops a daemon: it is no longer live and nothing is reaped from it", async (store) => {
    await store.queue.registerDaemon(daemon(D1));
    await store.queue.setDaemonStatus(D1, "stopping");
    assert.deepEqual((await store.queue.liveDaemons()).map((d) => d.status), ["stopping"]);
    await store.queue.setDaemonStatus(D1, "stopped", "SIGTERM");
    assert.deepEqual(await store.queue.liveDaemons(), []);
    const [stopped] = await store.queue.listDaemons(5);
    assert.equal(stopped.status, "stopped");
    assert.equal(stopped.note, "SIGTERM");
    assert.deepEqual(await store.queue.reapDeadDaemons({ requeueLimit: 1 }), []);
  });
}
