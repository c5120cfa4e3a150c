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
import { consecutiveHours } from "../../support/utc_hours.ts";

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

Deno.test({
  name:
    "an hourly Europe/Berlin schedule on the fall-back day: two daemons on Postgres record 25 ticks, each under its own instant, once",
  ...needsPostgres(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const database = await createFreshDatabase();
    const hourlyAsset = defineAsset({
      key: "demo.hourly",
      codeVersion: "1",
      partitions: daily({ start: "2026-10-01" }),
      materialize: (ctx) => Promise.resolve({ data: ctx.partition, rows: 1 }),
    });
    const berlinHourly = defineSchedule({
      name: "berlin_hourly",
      cron: "0 * * * *",
      timezone: "Europe/Berlin",
      selection: "demo.hourly",
      // The local day: both passes of the repeated hour ask for 2026-10-25.
      partitions: (tick) =>
        Temporal.Instant.fromEpochMilliseconds(tick.getTime()).toZonedDateTimeISO("Europe/Berlin")
          .toPlainDate().toString(),
      catchUp: { policy: "all", max: 5 },
    });
    const harness = await openDaemonHarness(
      [hourlyAsset],
      { schedules: [berlinHourly] },
      () => openMetadataStore({ databaseUrl: database.url }),
      undefined,
    );
    // Turned on just before the local day starts (2026-10-25T00:00+02:00 is 22:00Z).
    harness.clock.set(new Date("2026-10-24T21:50:00Z"));
    try {
      const daemons = await Promise.all([1, 2].map(() => harness.daemon()));
      while (harness.clock.now() < new Date("2026-10-25T22:30:00Z")) {
        harness.clock.advance(15 * MINUTE);
        await Promise.all(daemons.map(({ daemon }) => daemon.evaluateSchedules()));
      }
      const store = daemons[0].store;
      const ticks = [...await store.automation.listTicks("berlin_hourly", 100)]
        .sort((a, b) => a.tickAt.getTime() - b.tickAt.getTime());
      // One per real hour of the 25-hour day: 02:00 CEST (00:00Z) and 02:00 CET (01:00Z) both.
      assert.deepEqual(
        ticks.map((t) => t.tickAt.toISOString()),
        consecutiveHours("2026-10-24T22:00:00Z", 25),
      );
      assert.deepEqual(ticks.filter((t) => t.status !== "requested"), []);
      const requests = await store.queue.list({ limit: 100 });
      assert.equal(requests.length, 25);
      assert.deepEqual(
        new Set(requests.map((r) => r.runKey)),
        new Set(ticks.map((t) => `schedule:berlin_hourly:${t.tickAt.toISOString()}`)),
      );
      assert.deepEqual([...new Set(requests.map((r) => r.partitions))], ["2026-10-25"]);
    } finally {
      await harness.close();
      await database.drop();
    }
  },
});
