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
  newRun,
  NONE,
  ORDERS,
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
