import assert from "node:assert/strict";
import { defineSchedule } from "../../../runtime/automation/schedule.ts";
import { defineSensor } from "../../../runtime/automation/sensor.ts";
import type { AssetKey } from "../../../runtime/definitions/asset_key.ts";
import type { DaemonId } from "../../../runtime/store/metadata_store.ts";
import { StoreUiData } from "../../../web/ui/store_ui_data.ts";
import { loadStatusResolver } from "../../../runtime/staleness/status_loading.ts";
import {
  assetDocument,
  checkLines,
  rankedReasons,
} from "../../../runtime/staleness/status_views.ts";
import { DAYS, NOW, openUiFixture, type UiFixture } from "./store_fixture.ts";

/** A test on a fixture with two of its three days landed and everything that can run run. */
function storeTest(name: string, fn: (f: UiFixture) => Promise<void>): void {
  Deno.test(name, async () => {
    const f = await materialized();
    try {
      await fn(f);
    } finally {
      await f.close();
    }
  });
}

/** Lands two of the three days and materializes everything that can run. */
async function materialized(): Promise<UiFixture> {
  const f = await openUiFixture();
  f.land(DAYS[0], "a");
  f.land(DAYS[1], "a");
  await f.sources.observeNow();
  const outcome = await f.h.run();
  assert.equal(outcome.run?.status, "succeeded");
  f.data.statuses.invalidate();
  return f;
}

storeTest("StoreUiData draws the graph with the CLI's statuses and reasons", async (f) => {
  const { assets } = await f.data.graph();
  assert.deepEqual(
    assets.map((a) => [a.key, a.kind, a.group, a.status, a.upstreams]),
    [
      ["demo.landing", "source", "landing", "fresh", []],
      ["demo.orders", "ts", "bronze", "fresh", ["demo.landing"]],
      ["demo.summary", "ts", "gold", "fresh", ["demo.orders"]],
      ["demo.report", "ts", "gold", "fresh", ["demo.summary"]],
    ],
  );
  const resolver = await loadStatusResolver(f.h.graph, f.h.store, NOW);
  for (const node of assets) {
    assert.deepEqual(node.reasons, rankedReasons(resolver.asset(node.key as AssetKey)));
  }
  assert.deepEqual(assets[1].reasons, ["no data in demo.landing (1)"]);
  assert.deepEqual(assets[1].tags, ["pii"]);
});

storeTest(
  "StoreUiData describes an asset: counts, partitioning, downstreams, checks and code version",
  async (f) => {
    const summary = (await f.data.asset("demo.summary"))!;
    assert.equal(summary.description, "A summary of the day's orders.");
    assert.equal(summary.partitioning, "daily from 2026-03-01 to 2026-03-03 (UTC)");
    assert.equal(summary.partitionCount, 3);
    assert.deepEqual(summary.counts, {
      running: 0,
      failed: 0,
      never: 0,
      stale: 0,
      overdue: 0,
      waiting: 1,
      fresh: 2,
    });
    assert.deepEqual(summary.downstreams, ["demo.report"]);
    assert.equal(summary.codeVersion, f.h.graph.definition("demo.summary" as AssetKey).codeVersion);
    assert.equal(summary.sql, undefined);
    assert.deepEqual(
      summary.checks.map((c) => [c.name, c.severity, c.passed, c.partition, c.failingRowCount]),
      [["no_refunds", "warn", false, "2026-03-02", 1]],
    );
    assert.deepEqual(summary.checks[0].firstFailingRows, [{ order_id: "o-7", amount: 12.5 }]);
    assert.equal(await f.data.asset("demo.nope"), undefined);
  },
);

storeTest("StoreUiData shows a source's observation and the partitions it reported", async (f) => {
  const landing = (await f.data.asset("demo.landing"))!;
  assert.equal(landing.codeVersion, "-");
  assert.equal(landing.observation?.observedAt, NOW.toISOString());
  assert.deepEqual(landing.observation?.summary, { "observed partitions": 2, days: 2 });
  assert.deepEqual(landing.observation?.table?.rows, [
    ["2026-03-02", "2026-03-02:a", "2026-03-04 12:00:00"],
    ["2026-03-01", "2026-03-01:a", "2026-03-04 12:00:00"],
  ]);
});

storeTest(
  "StoreUiData run-length encodes the health bar and pages partitions newest first",
  async (f) => {
    assert.deepEqual(await f.data.partitionHealth("demo.orders"), {
      total: 3,
      runs: [["fresh", 2], ["waiting", 1]],
    });
    const page = (await f.data.partitions("demo.orders", { offset: 0, limit: 2, expand: true }))!;
    assert.equal(page.total, 3);
    assert.deepEqual(page.rows.map((r) => [r.partition, r.status, r.reasons]), [
      ["2026-03-03", "waiting", ["no data in demo.landing"]],
      ["2026-03-02", "fresh", []],
    ]);
    assert.equal(page.rows[1].materializedAt, NOW.toISOString());
    const waiting = (await f.data.partitions("demo.orders", {
      offset: 0,
      limit: 10,
      status: "fresh",
    }))!;
    assert.deepEqual(waiting.rows.map((r) => r.partition), ["2026-03-02", "2026-03-01"]);
    assert.equal(await f.data.partitionAt("demo.orders", 0), "2026-03-01");
    // Without expand, neighbours with the same status and reasons are one row, as in the CLI.
    const ranges = (await f.data.partitions("demo.orders", { offset: 0, limit: 10 }))!;
    assert.equal(ranges.total, 2);
    assert.deepEqual(ranges.rows[1], {
      partition: "2026-03-02",
      oldest: "2026-03-01",
      count: 2,
      status: "fresh",
      reasons: ["(2 days)"],
    });
    assert.equal(await f.data.partitionAt("demo.orders", 3), undefined);
  },
);

storeTest(
  "StoreUiData walks a partition's lineage both ways and flags versions that moved",
  async (f) => {
    const orders = (await f.data.partition("demo.orders", DAYS[0]))!;
    assert.equal(orders.status, "fresh");
    assert.deepEqual(orders.upstreams, [{
      asset: "demo.landing",
      partition: DAYS[0],
      dataVersion: "2026-03-01:a",
      currentDataVersion: "2026-03-01:a",
    }]);
    const summaryVersion = (await f.data.partition("demo.summary", DAYS[0]))!.dataVersion;
    assert.deepEqual(orders.downstreams, [{
      asset: "demo.summary",
      partition: DAYS[0],
      dataVersion: summaryVersion,
    }]);
    assert.equal(orders.history.length, 1);
    assert.equal(orders.history[0].dataVersion, orders.dataVersion);
    assert.equal(orders.lastRun?.status, "succeeded");
    assert.deepEqual(
      orders.lastRun?.logs.map((line) => line.message).filter((m) => m.includes("demo.orders")),
      ["materialized demo.orders@2026-03-01"],
    );

    // A new batch on day 1: orders re-materialize; the summary still read the old orders.
    f.land(DAYS[0], "b");
    await f.sources.observeNow();
    await f.h.run({ selection: "demo.orders", partitions: DAYS[0] });
    f.data.statuses.invalidate();
    const moved = (await f.data.partition("demo.orders", DAYS[0]))!;
    assert.equal(moved.upstreams[0].dataVersion, "2026-03-01:b");
    assert.equal(moved.history.length, 2);
    assert.deepEqual(moved.downstreams, [{
      asset: "demo.summary",
      partition: DAYS[0],
      dataVersion: summaryVersion,
      readOlderVersion: orders.dataVersion,
    }]);
    const summary = (await f.data.partition("demo.summary", DAYS[0]))!;
    assert.equal(summary.status, "stale");
    assert.deepEqual(summary.reasons, ["upstream demo.orders has a new data version"]);
    assert.deepEqual(summary.upstreams, [{
      asset: "demo.orders",
      partition: DAYS[0],
      dataVersion: orders.dataVersion,
      currentDataVersion: moved.dataVersion,
    }]);
    assert.deepEqual(summary.checks.map((c) => [c.name, c.partition]), [
      ["no_refunds", DAYS[0]],
    ]);
  },
);

storeTest("StoreUiData lists what a partition never materialized would read", async (f) => {
  const waiting = (await f.data.partition("demo.summary", DAYS[2]))!;
  assert.equal(waiting.status, "waiting");
  assert.deepEqual(waiting.upstreams, [{ asset: "demo.orders", partition: DAYS[2] }]);
  assert.deepEqual(waiting.downstreams, []);
  assert.deepEqual(waiting.history, []);
  assert.equal(waiting.lastRun, undefined);
  assert.equal(await f.data.partition("demo.summary", "2026-02-28"), undefined);
  assert.equal(await f.data.partition("demo.nope", DAYS[0]), undefined);
  const report = (await f.data.partition("demo.report", ""))!;
  assert.deepEqual(report.upstreams.map((u) => u.partition), [DAYS[0], DAYS[1]]);
});

storeTest("StoreUiData returns the CLI's assets --json documents", async (f) => {
  const resolver = await loadStatusResolver(f.h.graph, f.h.store, NOW);
  const summaryKey = "demo.summary" as AssetKey;
  const expected = assetDocument(
    f.h.graph.get(summaryKey),
    resolver.asset(summaryKey),
    true,
    checkLines(await f.h.store.checks.latestCheckResults(summaryKey)),
    undefined,
  );
  assert.deepEqual(await f.data.assetDocument("demo.summary"), expected);
  const all = await f.data.assetDocuments();
  assert.deepEqual(all.map((d) => d.key), [
    "demo.landing",
    "demo.orders",
    "demo.summary",
    "demo.report",
  ]);
  assert.deepEqual(all[0].observation, { days: 2 });
  assert.equal(all[2].partitionStatuses, undefined);
});

storeTest(
  "StoreUiData lists the store's runs with their steps and log, by status and by asset",
  async (f) => {
    const [run] = await f.data.runs({ limit: 10 });
    assert.equal(run.status, "succeeded");
    assert.equal(run.selection, "*");
    assert.equal(run.partitions, undefined);
    assert.equal(run.trigger, "materialize");
    const detail = (await f.data.run(run.id))!;
    assert.deepEqual(detail.steps.map((s) => `${s.asset}@${s.partition}:${s.status}`), [
      "demo.orders@2026-03-01:succeeded",
      "demo.orders@2026-03-02:succeeded",
      "demo.summary@2026-03-01:succeeded",
      "demo.summary@2026-03-02:succeeded",
      "demo.report@:succeeded",
    ]);
    const logs = await f.data.runLogs(run.id, 0, 1000);
    assert.deepEqual(logs.map((l) => l.seq), logs.map((_, i) => i + 1));
    assert.equal(logs[0].message, `run ${run.id} started: 5 steps`);
    const tail = await f.data.runLogs(run.id, logs.length - 1, 10);
    assert.deepEqual(tail, [logs.at(-1)]);
    assert.deepEqual(await f.data.runs({ limit: 10, status: "failed" }), []);
    assert.deepEqual((await f.data.runs({ limit: 10, asset: "demo.report" })).map((r) => r.id), [
      run.id,
    ]);
    assert.deepEqual(await f.data.runs({ limit: 10, asset: "demo.landing" }), []);
    assert.equal(await f.data.run("no-such-run"), undefined);
  },
);

storeTest(
  "StoreUiData reads statuses once per snapshot and again after a change of ours",
  async (f) => {
    const before = f.data.statuses.loads;
    await Promise.all([f.data.graph(), f.data.asset("demo.orders"), f.data.graph()]);
    assert.equal(f.data.statuses.loads, before + 1);
    await f.data.partitions("demo.orders", { offset: 0, limit: 5 });
    assert.equal(f.data.statuses.loads, before + 1);
    f.localRuns.start(
      { id: "local-1", selection: "demo.orders", trigger: "ui" },
      () => Promise.resolve({ status: "succeeded", steps: [] }),
    );
    await f.localRuns.settled("local-1");
    await f.data.graph();
    assert.equal(f.data.statuses.loads, before + 2);
  },
);

Deno.test("StoreUiData lists the daemon's schedules with their ticks and sensors with their last evaluation", async () => {
  const f = await openUiFixture();
  try {
    const nightly = defineSchedule({
      name: "nightly",
      cron: "0 2 * * *",
      selection: "demo.summary+",
      description: "Every night.",
    });
    const landed = defineSensor({
      name: "landed",
      minimumIntervalSeconds: 30,
      evaluate: () => Promise.resolve({ skipReason: "nothing landed" }),
    });
    const data = new StoreUiData({
      graph: f.h.graph,
      store: f.h.store,
      clock: f.h.clock,
      localRuns: f.localRuns,
      automation: { schedules: [nightly], sensors: [landed] },
    });
    const store = f.h.store.automation;
    await store.ensureStates("schedule", [{ name: "nightly", enabled: true }], NOW);
    await store.evaluateSchedule("nightly", "daemon-1" as DaemonId, NOW, () => ({
      lastTickAt: new Date("2026-03-04T02:00:00Z"),
      ticks: [{
        tickAt: new Date("2026-03-04T02:00:00Z"),
        status: "skipped",
        requests: [],
        superseded: 0,
        reason: "nothing is stale",
      }],
    }));
    await store.ensureStates("sensor", [{ name: "landed", enabled: true }], NOW);
    const claim = await store.claimSensor("landed", "daemon-1" as DaemonId, NOW, 30_000, 60_000);
    assert.ok(claim);
    const outcome = { cursor: "c-7", requests: [], skipReason: "nothing landed" };
    assert.equal(await store.commitSensor(claim, outcome, NOW), true);
    await store.setEnabled("sensor", "landed", false, NOW);
    assert.deepEqual(await data.schedules(), [{
      name: "nightly",
      state: "on",
      cron: "0 2 * * *",
      timezone: "UTC",
      selection: "demo.summary+",
      nextTickAt: "2026-03-05T02:00:00.000Z",
      description: "Every night.",
      ticks: [{ at: "2026-03-04T02:00:00.000Z", status: "skipped", reason: "nothing is stale" }],
    }]);
    assert.deepEqual(await data.sensors(), [{
      name: "landed",
      state: "off",
      everySeconds: 30,
      description: "",
      cursor: "c-7",
      ticks: [{ at: NOW.toISOString(), status: "skipped", reason: "nothing landed" }],
    }]);
    assert.deepEqual(await f.data.schedules(), []);
  } finally {
    await f.close();
  }
});
