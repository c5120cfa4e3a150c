// The daemon in one process on PGlite, the clock simulated: sensors and their cursors, the
// run-failure sensor's alerts, cancel, graceful stop, and the assets' automation conditions.
import assert from "node:assert/strict";
import { defineAsset } from "../../../runtime/definitions/asset.ts";
import type { AssetKey } from "../../../runtime/definitions/asset_key.ts";
import { eager, missing, onCron } from "../../../runtime/definitions/automation_condition.ts";
import { daily } from "../../../runtime/partitions/daily_partitions.ts";
import type { PartitionKey } from "../../../runtime/partitions/partition_key.ts";
import { defineSchedule } from "../../../runtime/automation/schedule.ts";
import { defineSensor } from "../../../runtime/automation/sensor.ts";
import { runFailureSensor } from "../../../runtime/automation/sensors/run_failure_sensor.ts";
import { executeRunRequest } from "../../../runtime/automation/execute_run_request.ts";
import type { PendingAlert } from "../../../runtime/store/metadata_store.ts";
import type { SqlMetadataStore } from "../../../runtime/store/sql/sql_metadata_store.ts";
import { openMetadataStore } from "../../../resources/postgres/open_metadata_store.ts";
import { type DaemonHarness, openDaemonHarness } from "../../support/daemon_harness.ts";

const MINUTE = 60_000;
const options = { sanitizeOps: false, sanitizeResources: false };

/** One in-memory store that every daemon of the test shares (closed once). */
async function sharedMemoryStore(): Promise<() => Promise<SqlMetadataStore>> {
  const store = await openMetadataStore({ embeddedDir: ":memory:" });
  return () => Promise.resolve(store);
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => resolve = r);
  return { promise, resolve };
}

/** Runs a selection now, in this process, as `runs enqueue` + a run in place would. */
async function runNow(
  harness: DaemonHarness,
  store: SqlMetadataStore,
  selection: string,
  partitions?: string,
) {
  const [id] = await store.queue.enqueue([
    { kind: "materialize", selection, partitions, force: true, tags: {}, origin: "cli" },
  ]);
  const request = (await store.queue.get(id))!;
  return await executeRunRequest(request, {
    graph: harness.graph,
    store,
    lake: harness.lake,
    log: { debug() {}, info() {}, warn() {}, error() {}, child: () => undefined! },
    clock: harness.clock,
  }, { cancelPollMs: 0 });
}

Deno.test({
  name: "a sensor's cursor survives a restart of its daemon and a repeated key enqueues once",
  ...options,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "sluice-daemon-pg-" });
    const seen: (string | undefined)[] = [];
    const counter = defineSensor({
      name: "counter",
      minimumIntervalSeconds: 30,
      evaluate(ctx) {
        seen.push(ctx.cursor);
        const next = Number(ctx.cursor ?? "0") + 1;
        return Promise.resolve({
          cursor: String(next),
          runRequests: [{ runKey: "always-the-same", selection: "demo.a" }],
        });
      },
    });
    const a = defineAsset({
      key: "demo.a",
      codeVersion: "1",
      materialize: () => Promise.resolve({ data: "a" }),
    });
    const open = () => openMetadataStore({ embeddedDir: `${dir}/pg` });
    try {
      for (let restart = 0; restart < 2; restart++) {
        const harness = await openDaemonHarness([a], { sensors: [counter] }, open);
        harness.clock.set(new Date(Date.UTC(2026, 10, 2, 0, restart * 10)));
        const { daemon, store } = await harness.daemon();
        await daemon.evaluate();
        harness.clock.advance(10_000);
        await daemon.evaluate(); // within the interval: not evaluated
        harness.clock.advance(30_000);
        await daemon.evaluate();
        assert.equal((await store.queue.list({})).length, 1);
        await harness.close();
      }
      assert.deepEqual(seen, [undefined, "1", "2", "3"]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "a run-failure sensor fires once per failed run, with two daemons evaluating it",
  ...options,
  async fn() {
    const broken = defineAsset({
      key: "demo.broken",
      codeVersion: "1",
      retry: { maxAttempts: 1 },
      materialize: () => Promise.reject(new Error("upstream API answered 500")),
    });
    const everyMinute = defineSchedule({
      name: "broken_every_minute",
      cron: "* * * * *",
      selection: "demo.broken",
      force: true,
    });
    const harness = await openDaemonHarness(
      [broken],
      { schedules: [everyMinute], sensors: [runFailureSensor({ minimumIntervalSeconds: 0 })] },
      await sharedMemoryStore(),
    );
    harness.clock.set(new Date("2026-11-02T10:00:30Z"));
    const delivered: PendingAlert[] = [];
    const sink = {
      name: "capture",
      deliver: (alert: PendingAlert) => {
        delivered.push(alert);
        return Promise.resolve();
      },
    };
    const flaky = {
      name: "flaky",
      calls: 0,
      deliver() {
        return ++this.calls === 2
          ? Promise.reject(new Error("webhook answered 503"))
          : Promise.resolve();
      },
    };
    try {
      const first = await harness.daemon({ alertSinks: [sink, flaky] });
      const second = await harness.daemon({ alertSinks: [sink, flaky] });
      const both = [first.daemon, second.daemon];
      for (let minute = 0; minute < 5; minute++) {
        harness.clock.advance(MINUTE);
        for (const daemon of both) await daemon.evaluate();
        await Promise.all(both.map((d) => d.claim()));
        await Promise.all(both.map((d) => d.settled()));
        await Promise.all(both.map((d) => d.heartbeat()));
      }
      harness.clock.advance(MINUTE);
      await Promise.all(both.map((d) => d.evaluateSensors()));
      await Promise.all(both.map((d) => d.heartbeat()));
      await Promise.all(both.map((d) => d.heartbeat()));
      const failedRuns = (await first.store.runs.listRuns(100)).filter((r) =>
        r.status === "failed"
      );
      assert.equal(failedRuns.length, 5);
      const keys = delivered.map((a) => a.key);
      // One alert was re-delivered after the flaky sink failed once; each run has its alert.
      assert.deepEqual(
        [...new Set(keys)].sort(),
        failedRuns.map((r) => `run-failed:${r.id}`).sort(),
      );
      assert.equal(keys.length, 6);
      const alert = delivered.find((a) => a.key === `run-failed:${failedRuns[0].id}`)!;
      assert.equal(
        alert.message,
        `Run ${failedRuns[0].id} failed (request ${
          (await first.store.queue.list({ limit: 100 })).find((r) => r.runId === failedRuns[0].id)!
            .id
        } demo.broken, all partitions): demo.broken: upstream API answered 500`,
      );
      assert.deepEqual(alert.payload.failed_steps, [
        { asset: "demo.broken", partition: "", reason: "upstream API answered 500" },
      ]);
    } finally {
      await harness.close();
    }
  },
});

Deno.test({
  name: "runs cancel stops a running request: its run and the request end cancelled",
  ...options,
  async fn() {
    const started = deferred();
    const slow = defineAsset({
      key: "demo.slow",
      codeVersion: "1",
      retry: { maxAttempts: 1 },
      materialize: async (ctx) => {
        started.resolve();
        await new Promise((_, reject) =>
          ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason))
        );
        return { data: "never" };
      },
    });
    const harness = await openDaemonHarness([slow], {}, await sharedMemoryStore());
    try {
      const { daemon, store } = await harness.daemon();
      const [id] = await store.queue.enqueue([{
        kind: "materialize",
        selection: "demo.slow",
        tags: {},
        origin: "ui",
      }]);
      await daemon.claim();
      await started.promise;
      assert.equal(await store.queue.cancel(id), true);
      await daemon.heartbeat();
      await daemon.settled();
      const request = await store.queue.get(id);
      assert.equal(request?.status, "cancelled");
      assert.equal((await store.runs.getRun(request!.runId!))?.status, "cancelled");
    } finally {
      await harness.close();
    }
  },
});

Deno.test({
  name:
    "stop() lets runs finish within the grace period, then re-queues the rest for another daemon",
  ...options,
  async fn() {
    const release = deferred();
    const gated = defineAsset({
      key: "demo.gated",
      codeVersion: "1",
      retry: { maxAttempts: 1 },
      materialize: async (ctx) => {
        await Promise.race([
          release.promise,
          new Promise((_, reject) =>
            ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason))
          ),
        ]);
        return { data: "done" };
      },
    });
    const harness = await openDaemonHarness([gated], {}, await sharedMemoryStore());
    try {
      const first = await harness.daemon({ settings: { shutdownGraceMs: 50 } });
      const [id] = await first.store.queue.enqueue([{
        kind: "materialize",
        selection: "demo.gated",
        tags: {},
        origin: "cli",
      }]);
      await first.daemon.claim();
      assert.deepEqual(await first.daemon.stop("SIGTERM"), { finished: 0, requeued: 1 });
      const requeued = await first.store.queue.get(id);
      assert.equal(requeued?.status, "queued");
      assert.equal(requeued?.message, `daemon ${first.daemon.id} shut down (SIGTERM); re-queued`);
      const [stopped] = await first.store.queue.listDaemons(1);
      assert.equal(stopped.status, "stopped");
      assert.equal(stopped.note, "SIGTERM: 0 finished, 1 re-queued");

      const second = await harness.daemon();
      release.resolve();
      await second.daemon.claim();
      await second.daemon.settled();
      const done = await first.store.queue.get(id);
      assert.equal(done?.status, "succeeded");
      assert.equal(done?.runIds.length, 2);
      assert.equal(done?.daemonId, second.daemon.id);
    } finally {
      await harness.close();
    }
  },
});

Deno.test({
  name:
    "eager assets follow new upstream data, one request per partition and lane, once per change",
  ...options,
  async fn() {
    let version = "v1";
    const days = daily({ start: "2026-11-01" });
    const root = defineAsset({
      key: "demo.root",
      codeVersion: "1",
      partitions: days,
      materialize: (ctx) => Promise.resolve({ data: `${ctx.partition}:${version}` }),
    });
    const mid = defineAsset({
      key: "demo.mid",
      codeVersion: "1",
      partitions: days,
      deps: [root],
      automation: eager(),
      materialize: (ctx) => Promise.resolve({ data: `mid:${ctx.partition}:${version}` }),
    });
    const leaf = defineAsset({
      key: "demo.leaf",
      codeVersion: "1",
      partitions: days,
      deps: [mid],
      automation: eager(),
      materialize: (ctx) => Promise.resolve({ data: `leaf:${ctx.partition}:${version}` }),
    });
    const published = defineAsset({
      key: "demo.published",
      codeVersion: "1",
      partitions: days,
      deps: [leaf],
      automation: eager({ tags: { warehouse: "publish" } }),
      materialize: (ctx) => Promise.resolve({ data: `pub:${ctx.partition}:${version}` }),
    });
    const harness = await openDaemonHarness(
      [root, mid, leaf, published],
      {},
      await sharedMemoryStore(),
    );
    harness.clock.set(new Date("2026-11-02T12:00:00Z"));
    try {
      const { daemon, store } = await harness.daemon({ settings: { automationIntervalMs: 0 } });
      const step = async () => {
        harness.clock.advance(1_000);
        const { sensors } = await daemon.evaluate();
        await daemon.claim();
        await daemon.settled();
        return sensors.get("automation_conditions");
      };
      // Nothing has data yet: nothing to ask for.
      assert.deepEqual(await step(), {
        kind: "committed",
        requests: 0,
        skipReason: "no asset partition needs a run",
      });

      await runNow(harness, store, "demo.root", "2026-11-02");
      assert.deepEqual(await step(), { kind: "committed", requests: 1, skipReason: undefined });
      const [pipeline] = await store.queue.list({ origin: "automation" });
      assert.equal(pipeline.selection, "demo.mid,demo.leaf");
      assert.equal(pipeline.partitions, "2026-11-02");
      assert.deepEqual(pipeline.tags, {});
      // The published lane follows on the next evaluation, with its own tags.
      assert.deepEqual(await step(), { kind: "committed", requests: 1, skipReason: undefined });
      const [publish] = await store.queue.list({ origin: "automation", limit: 1 });
      assert.equal(publish.selection, "demo.published");
      assert.deepEqual(publish.tags, { warehouse: "publish" });
      assert.deepEqual(await step(), {
        kind: "committed",
        requests: 0,
        skipReason: "no asset partition needs a run",
      });

      // New data upstream: the chain runs again, once.
      version = "v2";
      await runNow(harness, store, "demo.root", "2026-11-02");
      assert.deepEqual(await step(), { kind: "committed", requests: 1, skipReason: undefined });
      assert.deepEqual(await step(), { kind: "committed", requests: 1, skipReason: undefined });
      assert.deepEqual(await step(), {
        kind: "committed",
        requests: 0,
        skipReason: "no asset partition needs a run",
      });
      const all = await store.queue.list({ origin: "automation", limit: 100 });
      assert.deepEqual(all.map((r) => [r.selection, r.status]).reverse(), [
        ["demo.mid,demo.leaf", "succeeded"],
        ["demo.published", "succeeded"],
        ["demo.mid,demo.leaf", "succeeded"],
        ["demo.published", "succeeded"],
      ]);
      for (const key of ["demo.mid", "demo.leaf", "demo.published"]) {
        const history = await store.partitions.listMaterializations(
          key as AssetKey,
          "2026-11-02" as PartitionKey,
          10,
        );
        assert.equal(history.length, 2, key);
      }
    } finally {
      await harness.close();
    }
  },
});

Deno.test({
  name: "a failed eager partition is not retried until its upstream changes again",
  ...options,
  async fn() {
    let fail = true;
    const root = defineAsset({
      key: "demo.root",
      codeVersion: "1",
      materialize: () => Promise.resolve({ data: String(Math.random()) }),
    });
    const flaky = defineAsset({
      key: "demo.flaky",
      codeVersion: "1",
      deps: [root],
      automation: eager(),
      retry: { maxAttempts: 1 },
      materialize: () =>
        fail ? Promise.reject(new Error("disk full")) : Promise.resolve({ data: "ok" }),
    });
    const harness = await openDaemonHarness([root, flaky], {}, await sharedMemoryStore());
    try {
      const { daemon, store } = await harness.daemon({ settings: { automationIntervalMs: 0 } });
      const step = async () => {
        harness.clock.advance(1_000);
        await daemon.evaluate();
        await daemon.claim();
        await daemon.settled();
      };
      await runNow(harness, store, "demo.root");
      for (let i = 0; i < 3; i++) await step();
      assert.deepEqual((await store.queue.list({ origin: "automation" })).map((r) => r.status), [
        "failed",
      ]);
      fail = false;
      await runNow(harness, store, "demo.root");
      await step();
      assert.deepEqual((await store.queue.list({ origin: "automation" })).map((r) => r.status), [
        "succeeded",
        "failed",
      ]);
    } finally {
      await harness.close();
    }
  },
});

Deno.test({
  name:
    "onCron() asks for the newest partition at each tick after it was first seen; missing() fills never-materialized ones",
  ...options,
  async fn() {
    const days = daily({ start: "2026-11-01" });
    const hourly = defineAsset({
      key: "demo.hourly",
      codeVersion: "1",
      partitions: days,
      automation: onCron("0 * * * *"),
      materialize: (ctx) => Promise.resolve({ data: ctx.partition }),
    });
    const seed = defineAsset({
      key: "demo.seed",
      codeVersion: "1",
      automation: missing(),
      materialize: () => Promise.resolve({ data: "seed" }),
    });
    const harness = await openDaemonHarness([hourly, seed], {}, await sharedMemoryStore());
    harness.clock.set(new Date("2026-11-02T10:30:00Z"));
    try {
      const { daemon, store } = await harness.daemon({ settings: { automationIntervalMs: 0 } });
      const step = async (ms: number) => {
        harness.clock.advance(ms);
        await daemon.evaluate();
        await daemon.claim();
        await daemon.settled();
      };
      await step(1_000);
      // missing(): the seed at once; onCron(): nothing before its first tick.
      assert.deepEqual((await store.queue.list({})).map((r) => [r.selection, r.partitions]), [[
        "demo.seed",
        undefined,
      ]]);
      await step(29 * MINUTE); // 11:00:01
      await step(MINUTE);
      assert.deepEqual((await store.queue.list({})).map((r) => [r.selection, r.partitions]), [
        ["demo.hourly", "2026-11-02"],
        ["demo.seed", undefined],
      ]);
      await step(60 * MINUTE); // 12:01: fresh already, nothing asked
      assert.equal((await store.queue.list({})).length, 2);
    } finally {
      await harness.close();
    }
  },
});

Deno.test({
  name: "an eager partition waits for an upstream that itself waits, instead of running without it",
  ...options,
  async fn() {
    // users ← facts ← report, and report also reads orders: while facts waits (its upstream
    // users is in a queued request), report must not run on its own and read no facts.
    const users = defineAsset({
      key: "demo.users",
      codeVersion: "1",
      materialize: () => Promise.resolve({ data: "u" }),
    });
    const orders = defineAsset({
      key: "demo.orders",
      codeVersion: "1",
      materialize: () => Promise.resolve({ data: "o" }),
    });
    const facts = defineAsset({
      key: "demo.facts",
      codeVersion: "1",
      deps: [users],
      automation: eager(),
      materialize: () => Promise.resolve({ data: "f" }),
    });
    const report = defineAsset({
      key: "demo.report",
      codeVersion: "1",
      deps: [facts, orders],
      automation: eager(),
      materialize: () => Promise.resolve({ data: "r" }),
    });
    const harness = await openDaemonHarness(
      [users, orders, facts, report],
      {},
      await sharedMemoryStore(),
    );
    try {
      const { daemon, store } = await harness.daemon({ settings: { automationIntervalMs: 0 } });
      await runNow(harness, store, "demo.users,demo.orders");
      // A request for users waits in the queue: facts waits for it, and report for facts.
      await store.queue.enqueue([{
        kind: "materialize",
        selection: "demo.users",
        force: true,
        tags: {},
        origin: "cli",
      }]);
      harness.clock.advance(1_000);
      const { sensors } = await daemon.evaluateSensors().then((s) => ({ sensors: s }));
      assert.deepEqual(sensors.get("automation_conditions"), {
        kind: "committed",
        requests: 0,
        skipReason: "2 partitions wait for upstream runs to finish",
      });
      // Once the queue has run, facts and report go together, in order.
      await daemon.claim();
      await daemon.settled();
      harness.clock.advance(1_000);
      await daemon.evaluateSensors();
      const [together] = await store.queue.list({ origin: "automation" });
      assert.equal(together.selection, "demo.facts,demo.report");
    } finally {
      await harness.close();
    }
  },
});
