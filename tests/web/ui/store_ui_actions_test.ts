import assert from "node:assert/strict";
import type { DaemonId, RunRequestId } from "../../../runtime/store/metadata_store.ts";
import { UiRequestError } from "../../../web/ui/errors.ts";
import { DAYS, openUiFixture, type UiFixture } from "./store_fixture.ts";

async function landed(options: { gate?: Promise<void> } = {}): Promise<UiFixture> {
  const f = await openUiFixture(options);
  f.land(DAYS[0], "a");
  f.land(DAYS[1], "a");
  await f.sources.observeNow();
  return f;
}

/** A live daemon on another machine: the UI only queues while it lives. */
function registerDaemon(f: UiFixture, id: string): Promise<void> {
  return f.h.store.queue.registerDaemon({
    id: id as DaemonId,
    host: "elsewhere",
    pid: 7,
    processStart: undefined,
    processScope: undefined,
    ttlMs: 60_000,
    maxRuns: 1,
  });
}

Deno.test("materialize refuses a selection or partition range that fits nothing, queueing nothing", async () => {
  const f = await landed();
  try {
    await assert.rejects(
      f.actions.materialize({ selection: "demo.nope" }),
      (error) => error instanceof UiRequestError && /demo\.nope/.test(error.message),
    );
    await assert.rejects(
      f.actions.materialize({
        selection: "demo.orders",
        partitions: { from: "2026-03-01", to: "eu" },
      }),
      (error) =>
        error instanceof UiRequestError &&
        error.message.startsWith("Cannot select partition 'eu' of asset 'demo.orders'"),
    );
    assert.deepEqual(await f.h.store.queue.list(), []);
  } finally {
    await f.close();
  }
});

Deno.test("with no live daemon, materialize queues one ui request per day of a range and runs them here in turn, with a live log", async () => {
  const f = await landed();
  try {
    const { runId, runIds } = await f.actions.materialize({
      selection: "+demo.summary",
      partitions: { from: DAYS[0], to: DAYS[1] },
    });
    assert.equal(runId, "req-1");
    assert.deepEqual(runIds, ["req-1", "req-2"]);
    await f.localRuns.settled("req-1");
    await f.actions.settled();
    await f.localRuns.settled("req-2");
    const requests = await Promise.all(
      ["1", "2"].map(async (id) => (await f.h.store.queue.get(id as RunRequestId))!),
    );
    assert.deepEqual(
      requests.map((r) => [r.origin, r.status, r.claimedBy, r.daemonId, r.partitions]),
      [
        ["ui", "succeeded", f.claimer.id, f.claimer.id, DAYS[0]],
        ["ui", "succeeded", f.claimer.id, f.claimer.id, DAYS[1]],
      ],
    );
    assert.match(requests[0].tags.backfill, /^[0-9a-f]{8}$/);
    assert.equal(requests[1].tags.backfill, requests[0].tags.backfill);
    // The claimer is registered and heartbeating, but is no daemon that takes the queue.
    assert.deepEqual(await f.h.store.queue.liveDaemons(), []);
    assert.match(f.claimer.id, /^in-place:ui@/);
    const run = (await f.data.run(runId))!;
    assert.equal(run.status, "succeeded");
    assert.equal(run.trigger, "ui");
    assert.deepEqual(run.steps.map((s) => `${s.asset}@${s.partition}`), [
      "demo.orders@2026-03-01",
      "demo.summary@2026-03-01",
    ]);
    assert.deepEqual((await f.data.run("req-2"))!.steps.map((s) => `${s.asset}@${s.partition}`), [
      "demo.orders@2026-03-02",
      "demo.summary@2026-03-02",
    ]);
    const lines = await f.data.runLogs("req-2", 0, 100);
    assert.ok(lines.some((l) => l.message === "materialized demo.summary@2026-03-02"));
    assert.equal(lines.at(-1)?.message, `run ${requests[1].runId} succeeded`);
    // Listed once each, as the request, not again as its runtime run.
    assert.deepEqual((await f.data.runs({ limit: 10 })).map((r) => r.id), ["req-2", "req-1"]);
    assert.equal((await f.data.graph()).assets[2].status, "fresh");
  } finally {
    await f.close();
  }
});

Deno.test("with a live daemon, a range from the UI is only queued, one request per day, which several daemons share", async () => {
  const f = await landed();
  try {
    for (const id of ["daemon-1", "daemon-2"]) {
      await registerDaemon(f, id);
    }
    const { runIds } = await f.actions.materialize({
      selection: "+demo.summary",
      partitions: { from: DAYS[0], to: DAYS[2] },
    });
    assert.deepEqual(runIds, ["req-1", "req-2", "req-3"]);
    await f.actions.settled();
    assert.equal(f.localRuns.has("req-1"), false);
    const queued = await f.h.store.queue.list();
    assert.deepEqual(
      queued.map((r) => [r.id, r.status, r.origin, r.partitions, r.runKey]),
      DAYS.map((day, i) => [
        String(i + 1),
        "queued",
        "ui",
        day,
        `backfill:${queued[0].tags.backfill}:${day}`,
      ]).reverse(),
    );
    const one = await f.h.store.queue.claim("daemon-1" as DaemonId, []);
    const two = await f.h.store.queue.claim("daemon-2" as DaemonId, []);
    assert.deepEqual([one?.partitions, two?.partitions], [DAYS[0], DAYS[1]]);
  } finally {
    await f.close();
  }
});

Deno.test("closing the UI while a split range runs here cancels the running day and claims no other", async () => {
  const gate = Promise.withResolvers<void>();
  const f = await landed({ gate: gate.promise });
  try {
    await f.actions.materialize({
      selection: "demo.orders",
      partitions: { from: DAYS[0], to: DAYS[1] },
    });
    // As the UI's close() does: no more claims, cancel what runs, then wait for the turns.
    const turns = f.actions.close();
    await f.localRuns.cancelAll();
    await turns;
    gate.resolve();
    assert.equal((await f.h.store.queue.get("1" as RunRequestId))?.status, "cancelled");
    assert.equal((await f.h.store.queue.get("2" as RunRequestId))?.status, "queued");
    assert.equal(f.localRuns.has("req-2"), false);
  } finally {
    gate.resolve();
    await f.close();
  }
});

Deno.test("a request that finds nothing to do succeeds and says so", async () => {
  const f = await landed();
  try {
    await f.h.run();
    const { runId } = await f.actions.materialize({ selection: "demo.orders" });
    await f.localRuns.settled(runId);
    const run = (await f.data.run(runId))!;
    assert.equal(run.status, "succeeded");
    assert.equal(
      run.note,
      "nothing to do: 2 selected partitions are fresh or waiting for upstream data",
    );
    assert.deepEqual(run.steps, []);
  } finally {
    await f.close();
  }
});

Deno.test("with a live daemon, materialize only queues the request, and cancel takes it back", async () => {
  const f = await landed();
  try {
    await registerDaemon(f, "daemon-1");
    const { runId } = await f.actions.materialize({ selection: "demo.orders" });
    assert.equal(f.localRuns.has(runId), false);
    const queued = (await f.data.run(runId))!;
    assert.deepEqual([queued.status, queued.trigger, queued.selection], [
      "queued",
      "ui",
      "demo.orders",
    ]);
    assert.deepEqual(await f.data.runLogs(runId, 0, 10), []);
    await f.actions.cancelRun(runId);
    assert.equal((await f.data.run(runId))?.status, "cancelled");
    await assert.rejects(
      f.actions.cancelRun(runId),
      (error) => error instanceof UiRequestError && /already ended/.test(error.message),
    );
  } finally {
    await f.close();
  }
});

Deno.test("cancel stops a request running here, and the run records it cancelled", async () => {
  const gate = Promise.withResolvers<void>();
  const f = await landed({ gate: gate.promise });
  try {
    const { runId } = await f.actions.materialize({ selection: "demo.orders" });
    while (!(await f.data.runLogs(runId, 0, 10)).some((l) => l.message.includes("started"))) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.equal((await f.data.run(runId))?.status, "running");
    await f.actions.cancelRun(runId);
    await f.localRuns.settled(runId);
    gate.resolve();
    assert.equal((await f.data.run(runId))?.status, "cancelled");
    assert.equal((await f.h.store.queue.get("1" as RunRequestId))?.status, "cancelled");
  } finally {
    gate.resolve();
    await f.close();
  }
});

Deno.test("cancel refuses a run that was not queued, and promote one of a model with no versions", async () => {
  const f = await landed();
  try {
    const outcome = await f.h.run();
    await assert.rejects(
      f.actions.cancelRun(outcome.run!.runId),
      (error) => error instanceof UiRequestError && /was not queued/.test(error.message),
    );
    await assert.rejects(
      f.actions.promote({ model: "m", version: "v1", alias: "champion" }),
      (error) =>
        error instanceof UiRequestError &&
        error.message.startsWith("Cannot find model version 'v1': give at least 4 characters"),
    );
  } finally {
    await f.close();
  }
});
