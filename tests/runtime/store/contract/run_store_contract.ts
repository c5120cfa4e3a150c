// The RunStore contract: the cases every backend's store passes.
import assert from "node:assert/strict";
import { RuntimeInvariantError } from "../../../../runtime/errors.ts";
import { type LogEvent } from "../../../../runtime/logger.ts";
import {
  type MaterializationId,
  type RunId,
  type StepRecord,
} from "../../../../runtime/store/metadata_store.ts";
import {
  at,
  DAY1,
  ENRICHED,
  HOUR,
  LONG_TTL,
  newRun,
  NONE,
  ORDERS,
  sleep,
  type StoreTest,
  T0,
} from "./store_contract_harness.ts";

export function runStoreContract(test: StoreTest): void {
  test("startRun(), finishRun() and getRun() round-trip a run", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    assert.deepEqual(await store.runs.getRun("run-1" as RunId), {
      ...newRun("run-1"),
      status: "running",
      finishedAt: undefined,
      summary: {},
    });
    const summary = { succeeded: 3, failed: 1, skipped: ["gold.revenue_daily"] };
    await store.runs.finishRun("run-1" as RunId, "failed", summary, at(5000));
    assert.deepEqual(await store.runs.getRun("run-1" as RunId), {
      ...newRun("run-1"),
      status: "failed",
      finishedAt: at(5000),
      summary,
    });
    assert.equal(await store.runs.getRun("run-unknown" as RunId), undefined);
  });

  test("startRun() records the process identity and getRun() returns it", async (store) => {
    const run = { ...newRun("run-1"), processStart: "81234567", processScope: "boot-1/pid:[4]" };
    await store.runs.startRun(run);
    assert.deepEqual(await store.runs.getRun("run-1" as RunId), {
      ...run,
      status: "running",
      finishedAt: undefined,
      summary: {},
    });
  });

  test("abandonRun() marks a running run abandoned with its reason, once", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    await store.runs.startRun(newRun("run-2"));
    await store.runs.finishRun("run-2" as RunId, "succeeded", { steps: 1 }, at(10));
    const reason = "its process worker-1:4242 is gone (noticed by materialize on worker-1:7)";
    assert.equal(await store.runs.abandonRun("run-1" as RunId, reason, at(20)), true);
    assert.equal(await store.runs.abandonRun("run-1" as RunId, "again", at(30)), false);
    assert.equal(await store.runs.abandonRun("run-2" as RunId, reason, at(30)), false);
    const abandoned = await store.runs.getRun("run-1" as RunId);
    assert.equal(abandoned?.status, "abandoned");
    assert.deepEqual(abandoned?.finishedAt, at(20));
    assert.deepEqual(abandoned?.summary, { reason });
    assert.equal((await store.runs.getRun("run-2" as RunId))?.status, "succeeded");
  });

  test("listRunning() lists running runs oldest first with whether their heartbeat lapsed", async (store) => {
    await store.runs.startRun(newRun("run-lapsed", at(0)));
    await store.runs.startRun(newRun("run-live", at(1)));
    await store.runs.startRun(newRun("run-silent", at(2)));
    await store.runs.startRun(newRun("run-done", at(3)));
    assert.equal(await store.runs.heartbeat("run-lapsed" as RunId, 1), true);
    assert.equal(await store.runs.heartbeat("run-live" as RunId, LONG_TTL), true);
    await store.runs.finishRun("run-done" as RunId, "failed", {}, at(4));
    assert.equal(await store.runs.heartbeat("run-done" as RunId, LONG_TTL), false);
    await sleep(20);
    const running = await store.runs.listRunning();
    assert.deepEqual(
      running.map((r) => [r.run.id, r.heartbeatLapsed]),
      [["run-lapsed", true], ["run-live", false], ["run-silent", false]],
    );
    assert.deepEqual(running[1].run, {
      ...newRun("run-live", at(1)),
      status: "running",
      finishedAt: undefined,
      summary: {},
    });
  });

  test("finishRun() of a run never started throws", async (store) => {
    await assert.rejects(
      store.runs.finishRun("run-x" as RunId, "succeeded", {}, T0),
      (error) => error instanceof RuntimeInvariantError && /run-x/.test(error.message),
    );
  });

  test("listRuns() lists the newest runs first, up to the limit", async (store) => {
    await store.runs.startRun(newRun("run-a", at(0)));
    await store.runs.startRun(newRun("run-c", at(2 * HOUR)));
    await store.runs.startRun(newRun("run-b", at(HOUR)));
    const runs = await store.runs.listRuns(2);
    assert.deepEqual(runs.map((run) => run.id), ["run-c", "run-b"]);
  });

  test("recordSteps() and listSteps() keep steps in order and replace a re-recorded one", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    const first: StepRecord = {
      assetKey: ORDERS,
      partition: DAY1,
      status: "failed",
      attempts: 3,
      rows: undefined,
      durationMs: 1500,
      reason: "Timed out",
      materializationId: undefined,
    };
    const second: StepRecord = {
      assetKey: ENRICHED,
      partition: NONE,
      status: "skipped",
      attempts: 0,
      rows: undefined,
      durationMs: 0,
      reason: "Upstream bronze.orders failed",
      materializationId: undefined,
    };
    await store.runs.recordSteps("run-1" as RunId, [first, second]);
    const retried: StepRecord = {
      ...first,
      status: "succeeded",
      attempts: 4,
      rows: 3_000_000_000,
      reason: "",
      materializationId: "m-1" as MaterializationId,
    };
    await store.runs.recordSteps("run-1" as RunId, [retried]);
    assert.deepEqual(await store.runs.listSteps("run-1" as RunId), [retried, second]);
    assert.deepEqual(await store.runs.listSteps("run-2" as RunId), []);
  });

  test("appendLogs() and listLogs() round-trip events in order", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    const events: LogEvent[] = [
      { at: at(1), level: "info", message: "Materializing", fields: { asset: "bronze.orders" } },
      { at: at(2), level: "error", message: "Failed", fields: { attempt: 2, nested: { a: [1] } } },
    ];
    await store.runs.appendLogs("run-1" as RunId, events.slice(0, 1));
    await store.runs.appendLogs("run-1" as RunId, events.slice(1));
    await store.runs.appendLogs("run-1" as RunId, []);
    assert.deepEqual(await store.runs.listLogs("run-1" as RunId), events);
  });
}
