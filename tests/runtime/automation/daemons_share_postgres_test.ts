// Several daemons on one real Postgres, the clock simulated: every schedule tick is evaluated
// once, every run request runs once, every asset partition commits once per request.
import assert from "node:assert/strict";
import { defineAsset } from "../../../runtime/definitions/asset.ts";
import type { AssetKey } from "../../../runtime/definitions/asset_key.ts";
import { daily } from "../../../runtime/partitions/daily_partitions.ts";
import type { PartitionKey } from "../../../runtime/partitions/partition_key.ts";
import { defineSchedule } from "../../../runtime/automation/schedule.ts";
import { openMetadataStore } from "../../../resources/postgres/open_metadata_store.ts";
import { openDaemonHarness } from "../../support/daemon_harness.ts";
import { createFreshDatabase, needsPostgres } from "../../support/services.ts";

const MINUTE = 60_000;
const TICKS = 200;

Deno.test({
  name: "three daemons on one Postgres over 200 simulated ticks: every tick once, every run once",
  ...needsPostgres(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const database = await createFreshDatabase();
    const calls = new Map<string, number>();
    const counted = defineAsset({
      key: "demo.counted",
      codeVersion: "1",
      partitions: daily({ start: "2026-11-01" }),
      retry: { maxAttempts: 1 },
      materialize(ctx) {
        calls.set(ctx.partition, (calls.get(ctx.partition) ?? 0) + 1);
        return Promise.resolve({ data: `${ctx.partition}#${calls.get(ctx.partition)}`, rows: 1 });
      },
    });
    const everyMinute = defineSchedule({
      name: "every_minute",
      cron: "* * * * *",
      selection: "demo.counted",
      // Even minutes run one day, odd minutes the other: ticks span two partitions.
      partitions: (tick) => tick.getUTCMinutes() % 2 === 0 ? "2026-11-01" : "2026-11-02",
      force: true,
      catchUp: { policy: "all", max: 5 },
    });
    const harness = await openDaemonHarness(
      [counted],
      { schedules: [everyMinute] },
      () => openMetadataStore({ databaseUrl: database.url }),
      undefined,
    );
    harness.clock.set(new Date("2026-11-02T20:00:30Z"));
    try {
      const daemons = await Promise.all([1, 2, 3].map(() => harness.daemon()));
      const recordedBy = new Map<string, number>();
      for (let tick = 1; tick <= TICKS; tick++) {
        harness.clock.advance(MINUTE);
        const evaluations = await Promise.all(daemons.map(({ daemon }) => daemon.evaluate()));
        for (const [i, evaluation] of evaluations.entries()) {
          for (const t of evaluation.ticks) {
            const key = t.tickAt.toISOString();
            assert.equal(recordedBy.has(key), false, `tick ${key} recorded twice`);
            recordedBy.set(key, i);
          }
        }
        await Promise.all(daemons.map(({ daemon }) => daemon.claim()));
        await Promise.all(daemons.map(({ daemon }) => daemon.settled()));
      }
      const store = daemons[0].store;
      const ticks = await store.automation.listTicks("every_minute", 1000);
      assert.equal(ticks.length, TICKS);
      assert.equal(recordedBy.size, TICKS);
      assert.deepEqual(ticks.filter((t) => t.status !== "requested"), []);
      // Each daemon took part: the races were real.
      assert.equal(new Set(recordedBy.values()).size, 3);

      const requests = await store.queue.list({ limit: 1000 });
      assert.equal(requests.length, TICKS);
      assert.deepEqual(
        requests.filter((r) => r.status !== "succeeded" || r.claims !== 1 || r.runIds.length !== 1),
        [],
      );
      assert.equal(new Set(requests.map((r) => r.daemonId)).size, 3);
      // Every run once: one materialize call and one commit per request, per partition.
      const perDay = new Map<string, number>();
      for (const request of requests) {
        perDay.set(request.partitions!, (perDay.get(request.partitions!) ?? 0) + 1);
      }
      assert.deepEqual(Object.fromEntries(calls), Object.fromEntries(perDay));
      assert.deepEqual([...perDay.values()], [100, 100]);
      for (const [day, n] of perDay) {
        const committed = await store.partitions.listMaterializations(
          "demo.counted" as AssetKey,
          day as PartitionKey,
          1000,
        );
        assert.equal(committed.length, n, `commits of ${day}`);
        assert.equal(new Set(committed.map((m) => m.runId)).size, n);
      }
    } finally {
      await harness.close();
      await database.drop();
    }
  },
});
