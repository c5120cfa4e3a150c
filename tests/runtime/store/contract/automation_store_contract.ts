// The AutomationStore contract: the cases every backend's store passes.
import assert from "node:assert/strict";
import type { AssetKey } from "../../../../runtime/definitions/asset_key.ts";
import type { PartitionKey } from "../../../../runtime/partitions/partition_key.ts";
import type {
  DaemonId,
  MetadataStore,
  RunId,
  ScheduleEvaluation,
} from "../../../../runtime/store/metadata_store.ts";
import { at, newRun, type StoreTest, T0 } from "./store_contract_harness.ts";
import { request } from "./run_queue_store_contract.ts";

const D1 = "daemon-1" as DaemonId;
const D2 = "daemon-2" as DaemonId;
const MINUTE = 60_000;
/** Whole minutes after the minute T0 falls in. */
const minute = (n: number) => new Date((Math.floor(T0.getTime() / MINUTE) + n) * MINUTE);

/** A decision that records one requested tick per minute in (lastTick or changedAt, upTo]. */
function everyMinuteUpTo(upTo: Date) {
  return (state: { lastTickAt?: Date; changedAt: Date }): ScheduleEvaluation => {
    const from = Math.max(state.lastTickAt?.getTime() ?? 0, state.changedAt.getTime() - 1);
    const ticks = [];
    for (let t = Math.floor(from / MINUTE + 1) * MINUTE; t <= upTo.getTime(); t += MINUTE) {
      ticks.push({
        tickAt: new Date(t),
        status: "requested" as const,
        requests: [
          request({ runKey: `schedule:s:${new Date(t).toISOString()}`, origin: "schedule" }),
        ],
        superseded: 0,
        reason: undefined,
      });
    }
    return { ticks, lastTickAt: ticks.at(-1)?.tickAt };
  };
}

async function sensorOn(store: MetadataStore, name: string): Promise<void> {
  await store.automation.ensureStates("sensor", [{ name, enabled: true }], T0);
}

export function automationStoreContract(test: StoreTest): void {
  test("ensureStates() creates missing states once; setEnabled() records when it was turned on", async (store) => {
    await store.automation.ensureStates("schedule", [
      { name: "daily", enabled: true },
      { name: "hourly", enabled: false },
    ], T0);
    await store.automation.ensureStates("schedule", [{ name: "daily", enabled: false }], at(5));
    let states = await store.automation.states("schedule");
    assert.deepEqual([...states.keys()], ["daily", "hourly"]);
    assert.equal(states.get("daily")?.enabled, true);
    assert.deepEqual(states.get("daily")?.changedAt, T0);
    assert.equal(states.get("hourly")?.enabled, false);
    await store.automation.setEnabled("schedule", "hourly", true, at(10_000));
    await store.automation.setEnabled("schedule", "hourly", true, at(20_000));
    await store.automation.setEnabled("schedule", "unknown_yet", false, at(30_000));
    states = await store.automation.states("schedule");
    assert.deepEqual(states.get("hourly")?.changedAt, at(10_000));
    assert.equal(states.get("unknown_yet")?.enabled, false);
    assert.deepEqual([...(await store.automation.states("sensor")).keys()], []);
  });

  test("evaluateSchedule() records each tick once, even when daemons evaluate at once", async (store) => {
    await store.automation.ensureStates("schedule", [{ name: "s", enabled: true }], T0);
    const upTo = at(10 * MINUTE);
    const results = await Promise.all(
      [D1, D2, D1, D2].map((d) =>
        store.automation.evaluateSchedule("s", d, upTo, everyMinuteUpTo(upTo))
      ),
    );
    const ticks = results.flat();
    assert.equal(ticks.length, 10);
    assert.equal(new Set(ticks.map((t) => t.tickAt.getTime())).size, 10);
    assert.equal(ticks.every((t) => t.requestIds.length === 1), true);
    assert.equal((await store.queue.list({ limit: 100 })).length, 10);
    // A later evaluation starts after the last tick; a repeated one changes nothing.
    const again = await store.automation.evaluateSchedule("s", D1, upTo, everyMinuteUpTo(upTo));
    assert.deepEqual(again, []);
    const later = at(12 * MINUTE);
    const more = await store.automation.evaluateSchedule("s", D2, later, everyMinuteUpTo(later));
    assert.deepEqual(more.map((t) => t.tickAt), [minute(11), minute(12)]);
    const listed = await store.automation.listTicks("s", 3);
    assert.deepEqual(listed.map((t) => t.tickAt), [minute(12), minute(11), minute(10)]);
    assert.equal(listed[0].daemonId, D2);
    assert.equal(listed[0].status, "requested");
    const state = (await store.automation.states("schedule")).get("s");
    assert.deepEqual(state?.lastTickAt, minute(12));
    assert.deepEqual(state?.lastEvaluatedAt, later);
    assert.equal(state?.lastRequests, 1);
  });

  test("evaluateSchedule() does nothing for a schedule that is off", async (store) => {
    await store.automation.ensureStates("schedule", [{ name: "s", enabled: false }], T0);
    let asked = 0;
    const ticks = await store.automation.evaluateSchedule("s", D1, at(MINUTE), (state) => {
      asked++;
      return everyMinuteUpTo(at(MINUTE))(state);
    });
    assert.deepEqual(ticks, []);
    assert.equal(asked, 0);
  });

  test("evaluateSchedule() records skipped ticks with their reason and no requests", async (store) => {
    await store.automation.ensureStates("schedule", [{ name: "s", enabled: true }], T0);
    const ticks = await store.automation.evaluateSchedule("s", D1, at(MINUTE), () => ({
      ticks: [{
        tickAt: at(MINUTE),
        status: "skipped",
        requests: [],
        superseded: 4,
        reason: "selection matches no asset",
      }],
      lastTickAt: at(MINUTE),
    }));
    assert.deepEqual(ticks.map((t) => [t.status, t.superseded, t.reason, t.requestIds]), [
      ["skipped", 4, "selection matches no asset", []],
    ]);
    const state = (await store.automation.states("schedule")).get("s");
    assert.equal(state?.lastSkipReason, "selection matches no asset");
    assert.equal(state?.lastRequests, 0);
  });

  test("claimSensor() lets one daemon evaluate a sensor per interval; its commit moves the cursor with its requests", async (store) => {
    await sensorOn(store, "new_data");
    const claim = await store.automation.claimSensor("new_data", D1, at(0), 30_000, 60_000);
    assert.ok(claim);
    assert.equal(claim.cursor, undefined);
    assert.equal(
      await store.automation.claimSensor("new_data", D2, at(1), 30_000, 60_000),
      undefined,
    );
    const committed = await store.automation.commitSensor(claim, {
      cursor: "c1",
      requests: [
        request({ runKey: "sensor:new_data:a", origin: "sensor", originName: "new_data" }),
      ],
      skipReason: undefined,
    }, at(100));
    assert.equal(committed, true);
    assert.equal(
      await store.automation.commitSensor(claim, {
        cursor: "c-stale",
        requests: [request({ runKey: "sensor:new_data:b" })],
        skipReason: undefined,
      }, at(200)),
      false,
    );
    const state = (await store.automation.states("sensor")).get("new_data");
    assert.equal(state?.cursor, "c1");
    assert.equal(state?.lastRequests, 1);
    assert.deepEqual(state?.lastEvaluatedAt, at(100));
    assert.deepEqual((await store.queue.list({})).map((r) => r.runKey), ["sensor:new_data:a"]);
    // Not again before the interval has passed since the evaluation, then again with the cursor.
    assert.equal(
      await store.automation.claimSensor("new_data", D2, at(20_000), 30_000, 60_000),
      undefined,
    );
    const next = await store.automation.claimSensor("new_data", D2, at(30_100), 30_000, 60_000);
    assert.equal(next?.cursor, "c1");
  });

  test("a repeated sensor evaluation with the same run keys never enqueues twice", async (store) => {
    await sensorOn(store, "s");
    for (let i = 0; i < 3; i++) {
      const claim = await store.automation.claimSensor("s", D1, at(i * 10_000), 0, 60_000);
      assert.ok(claim);
      assert.equal(
        await store.automation.commitSensor(claim, {
          cursor: undefined,
          requests: [request({ runKey: "sensor:s:same" })],
          skipReason: undefined,
        }, at(i * 10_000 + 1)),
        true,
      );
    }
    assert.equal((await store.queue.list({})).length, 1);
  });

  test("a claim lapses after its TTL: another daemon evaluates, and the late commit is refused", async (store) => {
    await sensorOn(store, "s");
    const slow = await store.automation.claimSensor("s", D1, at(0), 1_000, 5_000);
    assert.ok(slow);
    const taken = await store.automation.claimSensor("s", D2, at(5_000), 1_000, 5_000);
    assert.ok(taken);
    assert.equal(
      await store.automation.commitSensor(
        slow,
        { cursor: "old", requests: [], skipReason: "x" },
        at(6_000),
      ),
      false,
    );
    await store.automation.failSensor(taken, "Kafka broker unreachable", at(6_001));
    const state = (await store.automation.states("sensor")).get("s");
    assert.equal(state?.cursor, undefined);
    assert.equal(state?.lastError, "Kafka broker unreachable");
    assert.ok(await store.automation.claimSensor("s", D1, at(7_001), 1_000, 5_000));
  });

  test("commitSensor() records alerts once per key and automation targets per partition", async (store) => {
    await sensorOn(store, "automation");
    for (let i = 0; i < 2; i++) {
      const claim = await store.automation.claimSensor("automation", D1, at(i), 0, 60_000);
      await store.automation.commitSensor(claim!, {
        cursor: undefined,
        requests: [request({ runKey: `auto:${i}` })],
        skipReason: undefined,
        alerts: [{ key: "run-failed:r1", message: "run r1 failed", payload: { run: "r1" } }],
        targets: [{
          assetKey: "gold.x" as AssetKey,
          partition: "2026-11-01" as PartitionKey,
          fingerprint: `f${i}`,
          request: 0,
        }],
      }, at(i + 1));
    }
    assert.deepEqual([...await store.automation.requestedTargets()], [[
      "gold.x\u00002026-11-01",
      "f1",
    ]]);
    const alerts = await store.automation.claimAlerts(10, 60_000);
    assert.deepEqual(alerts.map((a) => [a.key, a.sensor, a.message, a.payload, a.attempts]), [
      ["run-failed:r1", "automation", "run r1 failed", { run: "r1" }, 1],
    ]);
    assert.deepEqual(await store.automation.claimAlerts(10, 60_000), []);
    await store.automation.settleAlert("run-failed:r1", "webhook answered 503");
    const retry = await store.automation.claimAlerts(10, 60_000);
    assert.deepEqual(retry.map((a) => a.attempts), [2]);
    await store.automation.settleAlert("run-failed:r1", undefined);
    assert.deepEqual(await store.automation.claimAlerts(10, 0), []);
  });

  test("trim() keeps each schedule's latest tick and undelivered alerts", async (store) => {
    await store.automation.ensureStates("schedule", [{ name: "s", enabled: true }], T0);
    const upTo = at(5 * MINUTE);
    await store.automation.evaluateSchedule("s", D1, upTo, everyMinuteUpTo(upTo));
    await sensorOn(store, "alerts");
    const claim = await store.automation.claimSensor("alerts", D1, at(0), 0, 60_000);
    await store.automation.commitSensor(claim!, {
      cursor: undefined,
      requests: [],
      skipReason: "x",
      alerts: [
        { key: "a1", message: "one", payload: {} },
        { key: "a2", message: "two", payload: {} },
      ],
    }, at(0));
    await store.automation.claimAlerts(1, 60_000);
    await store.automation.settleAlert("a1", undefined);
    const cutoff = new Date(Date.now() + 60_000);
    assert.deepEqual(await store.automation.trim(cutoff, true), { schedule_ticks: 4, alerts: 1 });
    assert.deepEqual(await store.automation.trim(cutoff, false), { schedule_ticks: 4, alerts: 1 });
    assert.deepEqual((await store.automation.listTicks("s", 10)).map((t) => t.tickAt), [minute(5)]);
    assert.deepEqual((await store.automation.claimAlerts(10, 60_000)).map((a) => a.key), ["a2"]);
  });

  test("runsEndedAfter() pages through ended runs of the given statuses in the order they ended", async (store) => {
    for (
      const [id, status, ms] of [["r1", "failed", 300], ["r2", "succeeded", 100], [
        "r3",
        "failed",
        200,
      ], ["r4", "failed", 300]] as const
    ) {
      await store.runs.startRun(newRun(id));
      await store.runs.finishRun(id as RunId, status, { error: `${id} broke` }, at(ms));
    }
    await store.runs.startRun(newRun("r5"));
    const first = await store.automation.runsEndedAfter(undefined, ["failed"], 2);
    assert.deepEqual(first.map((r) => r.id), ["r3", "r1"]);
    assert.deepEqual(first[0].summary, { error: "r3 broke" });
    const rest = await store.automation.runsEndedAfter(
      { at: first[1].finishedAt, id: first[1].id },
      ["failed"],
      10,
    );
    assert.deepEqual(rest.map((r) => r.id), ["r4"]);
  });
}
