// The built-in sensors through a daemon on PGlite with a simulated clock: new source data asks
// for what is stale below each changed source partition (once per version), freshness asks for
// an overdue partition once per materialization, and a vacuum request runs vacuum as a run.
import assert from "node:assert/strict";
import { defineAsset, defineSource } from "../../../runtime/definitions/asset.ts";
import type { DataVersion } from "../../../runtime/definitions/version.ts";
import { daily } from "../../../runtime/partitions/daily_partitions.ts";
import type { PartitionKey } from "../../../runtime/partitions/partition_key.ts";
import { newSourceDataSensor } from "../../../runtime/automation/sensors/new_source_data_sensor.ts";
import { freshnessSensor } from "../../../runtime/automation/sensors/freshness_sensor.ts";
import { openMetadataStore } from "../../../resources/postgres/open_metadata_store.ts";
import { openDaemonHarness } from "../../support/daemon_harness.ts";

const options = { sanitizeOps: false, sanitizeResources: false };

async function memoryStore() {
  const store = await openMetadataStore({ embeddedDir: ":memory:" });
  return () => Promise.resolve(store);
}

Deno.test({
  name:
    "new source data asks for what is stale below each changed source partition, once per version",
  ...options,
  async fn() {
    const days = daily({ start: "2026-11-01" });
    const landed = new Map<string, string>([["2026-11-01", "v1"]]);
    const source = defineSource({
      key: "src.events",
      partitions: days,
      observe: () =>
        Promise.resolve({
          partitions: new Map(
            [...landed].map(([day, v]) => [day as PartitionKey, v as DataVersion]),
          ),
        }),
    });
    const copy = defineAsset({
      key: "demo.copy",
      codeVersion: "1",
      partitions: days,
      deps: [source],
      materialize: (ctx) =>
        Promise.resolve({ data: `${ctx.partition}:${landed.get(ctx.partition)}` }),
    });
    const report = defineAsset({
      key: "demo.report",
      codeVersion: "1",
      partitions: days,
      deps: [copy],
      materialize: (ctx) => Promise.resolve({ data: `report ${ctx.partition}` }),
    });
    const harness = await openDaemonHarness(
      [source, copy, report],
      { sensors: [newSourceDataSensor({ within: "demo.copy", minimumIntervalSeconds: 0 })] },
      await memoryStore(),
    );
    harness.clock.set(new Date("2026-11-02T12:00:00Z"));
    try {
      const { daemon, store } = await harness.daemon();
      const step = async () => {
        harness.clock.advance(1_000);
        const { sensors } = await daemon.evaluate();
        await daemon.claim();
        await daemon.settled();
        return sensors.get("new_source_data");
      };
      assert.deepEqual(await step(), { kind: "committed", requests: 1, skipReason: undefined });
      const [first] = await store.queue.list({});
      assert.deepEqual([first.selection, first.partitions, first.origin, first.originName], [
        "demo.copy",
        "2026-11-01",
        "sensor",
        "new_source_data",
      ]);
      assert.match(first.runKey!, /^sensor:new_source_data:2026-11-01:[0-9a-f]{16}$/);
      assert.deepEqual(await step(), {
        kind: "committed",
        requests: 0,
        skipReason: "no source has new data",
      });
      landed.set("2026-11-01", "v2");
      landed.set("2026-11-02", "v1");
      assert.deepEqual(await step(), { kind: "committed", requests: 2, skipReason: undefined });
      const requests = await store.queue.list({});
      assert.deepEqual(requests.map((r) => [r.partitions, r.status]), [
        ["2026-11-02", "succeeded"],
        ["2026-11-01", "succeeded"],
        ["2026-11-01", "succeeded"],
      ]);
      const state = (await store.automation.states("sensor")).get("new_source_data");
      assert.deepEqual(JSON.parse(state!.cursor!), {
        "src.events": { "2026-11-01": "v2", "2026-11-02": "v1" },
      });
    } finally {
      await harness.close();
    }
  },
});

Deno.test({
  name: "freshness asks for an overdue partition once per materialization that went overdue",
  ...options,
  async fn() {
    const hourly = defineAsset({
      key: "demo.prices",
      codeVersion: "1",
      freshness: { maximumLagMinutes: 60 },
      materialize: () => Promise.resolve({ data: String(Math.random()) }),
    });
    const harness = await openDaemonHarness(
      [hourly],
      { sensors: [freshnessSensor({ minimumIntervalSeconds: 0 })] },
      await memoryStore(),
    );
    harness.clock.set(new Date("2026-11-02T12:00:00Z"));
    try {
      const { daemon, store } = await harness.daemon();
      await store.queue.enqueue([{
        kind: "materialize",
        selection: "demo.prices",
        tags: {},
        origin: "cli",
      }]);
      await daemon.claim();
      await daemon.settled();
      const evaluate = async (minutes: number) => {
        harness.clock.advance(minutes * 60_000);
        return (await daemon.evaluateSensors()).get("freshness");
      };
      assert.deepEqual(await evaluate(30), {
        kind: "committed",
        requests: 0,
        skipReason: "nothing is overdue",
      });
      assert.deepEqual(await evaluate(60), {
        kind: "committed",
        requests: 1,
        skipReason: undefined,
      });
      assert.deepEqual(await evaluate(1), {
        kind: "committed",
        requests: 1,
        skipReason: undefined,
      });
      assert.equal((await store.queue.list({ origin: "sensor" })).length, 1);
      await daemon.claim();
      await daemon.settled();
      assert.deepEqual(await evaluate(1), {
        kind: "committed",
        requests: 0,
        skipReason: "nothing is overdue",
      });
      assert.deepEqual((await store.queue.list({ origin: "sensor" })).map((r) => r.status), [
        "succeeded",
      ]);
    } finally {
      await harness.close();
    }
  },
});

Deno.test({
  name:
    "a vacuum request runs vacuum as a run of its own, with its retention from the request's tags",
  ...options,
  async fn() {
    const asset = defineAsset({
      key: "demo.a",
      codeVersion: "1",
      materialize: () => Promise.resolve({ data: "a" }),
    });
    const harness = await openDaemonHarness([asset], {}, await memoryStore());
    try {
      const { daemon, store } = await harness.daemon();
      const [id] = await store.queue.enqueue([{
        kind: "vacuum",
        selection: "",
        tags: { retain_days: "3", grace_minutes: "0" },
        origin: "schedule",
        originName: "vacuum_daily",
      }]);
      await daemon.claim();
      await daemon.settled();
      const request = (await store.queue.get(id))!;
      assert.equal(request.status, "succeeded", request.message);
      assert.match(
        request.message!,
        /^removed 0 of 0 lake locations; trimmed \d+ materializations, /,
      );
      const run = await store.runs.getRun(request.runId!);
      assert.equal(run?.command, "vacuum");
      assert.equal(run?.status, "succeeded");
      assert.equal(run?.summary.removed, 0);

      const [bad] = await store.queue.enqueue([{
        kind: "vacuum",
        selection: "",
        tags: { retain_days: "a week" },
        origin: "cli",
      }]);
      await daemon.claim();
      await daemon.settled();
      const failed = (await store.queue.get(bad))!;
      assert.equal(failed.status, "failed");
      assert.equal(
        failed.message,
        `Request ${bad} has tag retain_days="a week": expected a whole number`,
      );
      assert.equal((await store.runs.getRun(failed.runId!))?.status, "failed");
    } finally {
      await harness.close();
    }
  },
});
