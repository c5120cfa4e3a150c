// Partitions whose upstreams have no data yet are left out of the plan as waiting, not run
// and skipped: a source day that has not landed, and a rolling window whose own day has not.
import assert from "node:assert/strict";
import { defineAsset, defineSource, dep } from "../../../runtime/definitions/asset.ts";
import { daily } from "../../../runtime/partitions/daily_partitions.ts";
import { windowDays } from "../../../runtime/partitions/mapping.ts";
import type { PartitionKey } from "../../../runtime/partitions/partition_key.ts";
import type { DataVersion } from "../../../runtime/definitions/version.ts";
import { FakeClock } from "../../support/fake_clock.ts";
import { openHarness } from "../../support/runtime_harness.ts";
import { describeCause } from "../../../runtime/staleness/status.ts";

const partitions = daily({ start: "2026-03-01" });
const NOW = new Date("2026-03-05T12:00:00Z");

function graph(observed: Map<PartitionKey, DataVersion>) {
  const events = defineSource({
    key: "source.events",
    partitions,
    observe: () => Promise.resolve({ partitions: observed }),
  });
  const daily_ = defineAsset({
    key: "bronze.events",
    partitions,
    deps: [events],
    materialize: (ctx) => Promise.resolve({ data: ctx.partition }),
  });
  const rolling = defineAsset({
    key: "gold.rolling",
    partitions,
    deps: [dep(daily_, windowDays(3))],
    materialize: (ctx) => Promise.resolve({ data: String(ctx.inputByKey(daily_.key).length) }),
  });
  const other = defineAsset({
    key: "bronze.other",
    partitions,
    materialize: (ctx) => Promise.resolve({ data: ctx.partition }),
  });
  const union = defineAsset({
    key: "silver.union",
    partitions,
    deps: [daily_, dep(other, windowDays(1))],
    materialize: () => Promise.resolve({ data: "u" }),
  });
  const seed = defineAsset({
    key: "seeds.rates",
    materialize: () => Promise.resolve({ data: "rates" }),
  });
  const priced = defineAsset({
    key: "silver.priced",
    partitions,
    deps: [daily_, seed],
    materialize: () => Promise.resolve({ data: "p" }),
  });
  return [events, daily_, rolling, other, union, seed, priced];
}

Deno.test("partitions without upstream data wait; a rolling window waits for its own day", async () => {
  const observed = new Map([["2026-03-02" as PartitionKey, "v1" as DataVersion]]);
  const h = await openHarness(graph(observed), { clock: new FakeClock(NOW) });
  try {
    const outcome = await h.run({ selection: "bronze.events, gold.rolling" });
    assert.deepEqual(outcome.run?.steps.map((s) => `${s.assetKey}@${s.partition}`), [
      "bronze.events@2026-03-02",
      "gold.rolling@2026-03-02",
    ]);
    assert.equal(outcome.run?.status, "succeeded");
    // 03-01, 03-03, 03-04, 03-05 of both assets: nothing has landed for those days.
    assert.equal(outcome.plan.waiting.length, 8);
    assert.deepEqual(
      outcome.plan.waiting.map((w) => `${w.id}: ${describeCause(w.cause)}`).slice(0, 5),
      [
        "bronze.events@2026-03-01: no data in source.events for 2026-03-01",
        "bronze.events@2026-03-03: no data in source.events for 2026-03-03",
        "bronze.events@2026-03-04: no data in source.events for 2026-03-04",
        "bronze.events@2026-03-05: no data in source.events for 2026-03-05",
        // The rolling window of 03-01 reads only 03-01 (the partitions start that day).
        "gold.rolling@2026-03-01: upstream bronze.events has no data for 2026-03-01: " +
        "none in source.events",
      ],
    );

    // A new day lands: its partitions run, and the rolling window of the next day now has it.
    observed.set("2026-03-03" as PartitionKey, "v2" as DataVersion);
    const next = await h.run({ selection: "bronze.events, gold.rolling" });
    assert.deepEqual(next.run?.steps.map((s) => `${s.assetKey}@${s.partition}`), [
      "bronze.events@2026-03-03",
      "gold.rolling@2026-03-03",
    ]);
  } finally {
    await h.close();
  }
});

Deno.test("an asset runs when one of its upstreams has data, though another has none", async () => {
  const observed = new Map([["2026-03-02" as PartitionKey, "v1" as DataVersion]]);
  const h = await openHarness(graph(observed), { clock: new FakeClock(NOW) });
  try {
    const outcome = await h.run({ selection: "+silver.union", partitions: "2026-03-02" });
    const ran = outcome.run?.steps.map((s) => `${s.assetKey}:${s.status}`).sort();
    assert.deepEqual(ran, [
      "bronze.events:succeeded",
      "bronze.other:succeeded",
      "silver.union:succeeded",
    ]);
    const waiting = await h.run({ selection: "silver.union", partitions: "2026-03-01" });
    // bronze.other@03-01 was never built and bronze.events@03-01 never landed.
    assert.equal(waiting.run, undefined);
    assert.deepEqual(waiting.plan.waiting.map((w) => w.cause), [{
      kind: "waiting",
      upstream: "bronze.events",
      partition: "2026-03-01",
      partitionsRead: 1,
      source: "source.events",
    }]);
  } finally {
    await h.close();
  }
});

Deno.test("an unpartitioned upstream such as a seed does not make a day without data runnable", async () => {
  const observed = new Map([["2026-03-02" as PartitionKey, "v1" as DataVersion]]);
  const h = await openHarness(graph(observed), { clock: new FakeClock(NOW) });
  try {
    const outcome = await h.run({ selection: "+silver.priced" });
    assert.deepEqual(outcome.run?.steps.map((s) => `${s.assetKey}@${s.partition}`).sort(), [
      "bronze.events@2026-03-02",
      "seeds.rates@",
      "silver.priced@2026-03-02",
    ]);
    assert.equal(outcome.plan.waiting.length, 8);
  } finally {
    await h.close();
  }
});
