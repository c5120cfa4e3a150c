// Partitions whose upstreams have no data are `waiting`, with the source where the data is
// missing, never `never`; an asset rolls up over the partitions that can run; the plan and the
// resolver decide waiting by the same rule.
import assert from "node:assert/strict";
import {
  type AnyAsset,
  defineAsset,
  defineSource,
  dep,
} from "../../../runtime/definitions/asset.ts";
import type { AssetKey } from "../../../runtime/definitions/asset_key.ts";
import type { DataVersion } from "../../../runtime/definitions/version.ts";
import { daily } from "../../../runtime/partitions/daily_partitions.ts";
import { aliased, allPartitions, windowDays } from "../../../runtime/partitions/mapping.ts";
import type { PartitionKey } from "../../../runtime/partitions/partition_key.ts";
import { describeCounts } from "../../../runtime/staleness/rollup.ts";
import { describeStatus, describeStatusAt } from "../../../runtime/staleness/status.ts";
import { loadStatusResolver } from "../../../runtime/staleness/status_loading.ts";
import { FakeClock } from "../../support/fake_clock.ts";
import { type Harness, openHarness } from "../../support/runtime_harness.ts";

const partitions = daily({ start: "2026-03-01" });
const NOW = new Date("2026-03-05T12:00:00Z");

function pipeline(observed: Map<PartitionKey, DataVersion>): AnyAsset[] {
  const events = defineSource({
    key: "landing.events",
    partitions,
    observe: () => Promise.resolve({ partitions: observed }),
  });
  const bronze = defineAsset({
    key: "bronze.events",
    partitions,
    deps: [events],
    materialize: (ctx) => Promise.resolve({ data: ctx.partition }),
  });
  const silver = defineAsset({
    key: "silver.events",
    partitions,
    deps: [bronze],
    materialize: (ctx) => Promise.resolve({ data: ctx.partition }),
  });
  const rolling = defineAsset({
    key: "gold.rolling",
    partitions,
    deps: [dep(silver, windowDays(3))],
    materialize: (ctx) => Promise.resolve({ data: String(ctx.inputByKey(silver.key).length) }),
  });
  return [events, bronze, silver, rolling];
}

async function withPipeline(
  body: (h: Harness, observed: Map<PartitionKey, DataVersion>) => Promise<void>,
) {
  const observed = new Map([["2026-03-02" as PartitionKey, "v1" as DataVersion]]);
  const h = await openHarness(pipeline(observed), { clock: new FakeClock(NOW) });
  try {
    await body(h, observed);
  } finally {
    await h.close();
  }
}

const key = (k: string) => k as AssetKey;
const day = (d: string) => d as PartitionKey;

Deno.test("a partition whose upstream has no data is waiting with the source it waits for", async () => {
  await withPipeline(async (h) => {
    await h.run();
    const resolver = await loadStatusResolver(h.graph, h.store, h.clock.now());
    const bronze = resolver.partition(key("bronze.events"), day("2026-03-04"));
    assert.equal(bronze.status, "waiting");
    assert.equal(describeStatus(bronze), "no data in landing.events for 2026-03-04");
    assert.equal(describeStatusAt(bronze, day("2026-03-04")), "no data in landing.events");
    const silver = resolver.partition(key("silver.events"), day("2026-03-04"));
    assert.equal(silver.status, "waiting");
    assert.equal(
      describeStatus(silver),
      "upstream bronze.events has no data for 2026-03-04: none in landing.events",
    );
    const source = resolver.partition(key("landing.events"), day("2026-03-04"));
    assert.deepEqual(source, { status: "waiting", causes: [{ kind: "no_data" }] });
    assert.equal(describeStatus(source), "no data observed");
  });
});

Deno.test("a rolling window waits for its own day even when earlier days have data", async () => {
  await withPipeline(async (h) => {
    await h.run();
    const resolver = await loadStatusResolver(h.graph, h.store, h.clock.now());
    // 03-03 reads 03-01..03-03: 03-02 has data, but its own day 03-03 has not landed.
    const rolling = resolver.partition(key("gold.rolling"), day("2026-03-03"));
    assert.equal(rolling.status, "waiting");
    assert.equal(
      describeStatus(rolling),
      "upstream silver.events has no data for 2026-03-03: none in landing.events",
    );
    assert.equal(resolver.partition(key("gold.rolling"), day("2026-03-02")).status, "fresh");
  });
});

Deno.test("an asset whose runnable partitions are all fresh is fresh, with the waiting counted beside it", async () => {
  await withPipeline(async (h) => {
    await h.run();
    const resolver = await loadStatusResolver(h.graph, h.store, h.clock.now());
    for (const asset of ["bronze.events", "silver.events", "gold.rolling", "landing.events"]) {
      const summary = resolver.asset(key(asset));
      assert.equal(summary.status, "fresh", asset);
      assert.equal(describeCounts(summary.counts), "1 fresh, 4 waiting for data", asset);
    }
  });
});

Deno.test("a day that lands makes every layer above it never, not waiting, until it runs", async () => {
  await withPipeline(async (h, observed) => {
    await h.run();
    observed.set(day("2026-03-03"), "v2" as DataVersion);
    // A dry run observes the sources and changes nothing else.
    const plan = (await h.run({ dryRun: true })).plan;
    const resolver = await loadStatusResolver(h.graph, h.store, h.clock.now());
    for (const asset of ["bronze.events", "silver.events", "gold.rolling"]) {
      const status = resolver.partition(key(asset), day("2026-03-03"));
      assert.equal(status.status, "never", asset);
      assert.equal(describeStatus(status), "never materialized", asset);
      const summary = resolver.asset(key(asset));
      assert.equal(summary.status, "never", asset);
      assert.equal(describeCounts(summary.counts), "1 never, 1 fresh, 3 waiting for data");
    }
    assert.deepEqual(plan.steps.map((s) => s.id), [
      "bronze.events@2026-03-03",
      "silver.events@2026-03-03",
      "gold.rolling@2026-03-03",
      // 03-04 reads 03-02..03-04 and waits for its own day; 03-03's window changed.
    ]);
  });
});

Deno.test("the plan waits for exactly the partitions the resolver calls waiting", async () => {
  await withPipeline(async (h, observed) => {
    await h.run();
    observed.set(day("2026-03-05"), "v3" as DataVersion);
    const plan = (await h.run({ dryRun: true })).plan;
    const resolver = await loadStatusResolver(h.graph, h.store, h.clock.now());
    const waitingIds: string[] = [];
    for (const asset of ["bronze.events", "silver.events", "gold.rolling"]) {
      for (const [partition, status] of resolver.asset(key(asset)).partitions) {
        if (status.status === "waiting") waitingIds.push(`${asset}@${partition}`);
      }
    }
    assert.deepEqual(plan.waiting.map((w) => w.id).sort(), waitingIds.sort());
    assert.equal(waitingIds.length, 9);
    for (const w of plan.waiting) {
      assert.deepEqual(resolver.partition(w.key, w.partition).causes, [w.cause]);
    }
  });
});

Deno.test("an asset reading an alias that points nowhere waits for the alias", async () => {
  const model = defineAsset({
    key: "demo.model",
    partitions,
    materialize: (ctx) => Promise.resolve({ data: ctx.partition }),
  });
  const scores = defineAsset({
    key: "demo.scores",
    partitions,
    deps: [dep(model, aliased("champion"))],
    materialize: () => Promise.resolve({ data: "scored" }),
  });
  const h = await openHarness([model, scores], { clock: new FakeClock(NOW) });
  try {
    // The model runs, and might promote itself: the scores run after it and, finding no
    // alias, wait without failing the run.
    const first = await h.run();
    assert.equal(first.run?.status, "succeeded");
    const skipped = first.run!.steps.filter((s) => s.assetKey === scores.key);
    assert.equal(skipped.length, 5);
    assert.ok(
      skipped.every((s) => s.status === "skipped" && s.reason.startsWith("waiting: alias")),
    );
    const resolver = await loadStatusResolver(h.graph, h.store, h.clock.now());
    const status = resolver.partition(scores.key, day("2026-03-02"));
    assert.equal(status.status, "waiting");
    assert.equal(describeStatus(status), "alias champion of demo.model points at nothing yet");
    // With nothing left to run that could move it, the plan leaves them out as waiting.
    const outcome = await h.run();
    assert.equal(outcome.plan.waiting.length, 5);
    assert.deepEqual(outcome.plan.waiting[0].cause, status.causes[0]);
  } finally {
    await h.close();
  }
});

Deno.test("a reader of every day waits until any day has data, and says so", async () => {
  const observed = new Map<PartitionKey, DataVersion>();
  const [events, bronze] = pipeline(observed);
  const summary = defineAsset({
    key: "marts.summary",
    deps: [dep(bronze, allPartitions())],
    materialize: () => Promise.resolve({ data: "summary" }),
  });
  const h = await openHarness([events, bronze, summary], { clock: new FakeClock(NOW) });
  try {
    const outcome = await h.run();
    const resolver = await loadStatusResolver(h.graph, h.store, h.clock.now());
    const status = resolver.partition(summary.key, "" as PartitionKey);
    assert.equal(
      describeStatus(status),
      "upstream bronze.events has no data in any of the 5 partitions read: none in landing.events",
    );
    assert.deepEqual(
      outcome.plan.waiting.find((w) => w.key === summary.key)?.cause,
      status.causes[0],
    );
  } finally {
    await h.close();
  }
});
