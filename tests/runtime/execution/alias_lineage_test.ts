// An asset that reads an alias of its upstream (`dep(model, aliased("champion"))`) records the
// aliased version in its lineage, waits while there is no alias, and goes stale, saying so, when
// the alias moves: promotion and rollback rescore, re-training alone does not.
import assert from "node:assert/strict";
import { defineAsset, dep } from "../../../runtime/definitions/asset.ts";
import type { AssetKey } from "../../../runtime/definitions/asset_key.ts";
import { daily } from "../../../runtime/partitions/daily_partitions.ts";
import { aliased } from "../../../runtime/partitions/mapping.ts";
import type { PartitionKey } from "../../../runtime/partitions/partition_key.ts";
import { describeStatus } from "../../../runtime/staleness/status.ts";
import { loadPointer } from "../../../runtime/store/partition_store.ts";
import { FakeClock } from "../../support/fake_clock.ts";
import { openHarness } from "../../support/runtime_harness.ts";

const partitions = daily({ start: "2026-03-01", end: "2026-03-02" });
const DAY1 = "2026-03-01" as PartitionKey;
const DAY2 = "2026-03-02" as PartitionKey;

function assets() {
  const model = defineAsset({
    key: "demo.model",
    partitions,
    materialize: (ctx) => Promise.resolve({ data: `model trained for ${ctx.partition}` }),
  });
  const scores = defineAsset({
    key: "demo.scores",
    partitions,
    deps: [dep(model, aliased("champion"))],
    materialize: (ctx) => {
      const [champion] = ctx.input(model);
      return Promise.resolve({ data: `scored with ${champion.partition} ${champion.dataVersion}` });
    },
  });
  return { model, scores };
}

Deno.test("an asset reading an alias waits for it, records it as lineage and goes stale when it moves", async () => {
  const { model, scores } = assets();
  const h = await openHarness([model, scores], {
    clock: new FakeClock(new Date("2026-03-03T12:00:00Z")),
  });
  const promote = async (partition: PartitionKey, reason: string) => {
    const pointer = await loadPointer(h.store.partitions, model.key, partition);
    await h.store.aliases.move({
      assetKey: model.key,
      alias: "champion",
      to: pointer!.materializationId!,
      reason,
      movedBy: "test",
      at: h.clock.now(),
    });
  };
  try {
    const first = await h.run();
    // No champion yet: the models run; the scores, run after them in case one promoted
    // itself, find no alias and wait.
    assert.equal(first.run?.status, "succeeded");
    assert.deepEqual(first.run?.steps.map((s) => `${s.assetKey}@${s.partition} ${s.status}`), [
      "demo.model@2026-03-01 succeeded",
      "demo.model@2026-03-02 succeeded",
      "demo.scores@2026-03-01 skipped",
      "demo.scores@2026-03-02 skipped",
    ]);
    assert.equal(
      first.run?.steps[2].reason,
      "waiting: alias champion of demo.model points at nothing yet; demo.scores reads it",
    );
    assert.equal((await h.run()).plan.waiting.length, 2);

    await promote(DAY1, "passed every gate");
    h.clock.advance(60_000);
    const scored = await h.run({ selection: "demo.scores" });
    assert.equal(scored.run?.status, "succeeded");
    const lineage = await h.store.partitions.listMaterializations(scores.key, DAY2, 1);
    assert.deepEqual(lineage[0].inputs.map((i) => [i.assetKey, i.partition]), [
      ["demo.model", "@champion"],
    ]);
    assert.equal((await h.status("demo.scores", DAY2)).status, "fresh");

    // Re-training moves the model's partitions, not the alias: the scores stay fresh.
    await h.run({ selection: "demo.model", force: true });
    assert.equal((await h.status("demo.scores", DAY2)).status, "fresh");

    await promote(DAY2, "passed every gate");
    const moved = await h.status("demo.scores", DAY2);
    assert.equal(moved.status, "stale");
    assert.equal(describeStatus(moved), "alias champion of demo.model moved");
    const rescored = await h.run({ selection: "demo.scores" });
    assert.deepEqual(rescored.run?.steps.map((s) => s.status), ["succeeded", "succeeded"]);
    assert.equal((await h.status("demo.scores" as AssetKey, DAY1)).status, "fresh");
  } finally {
    await h.close();
  }
});

Deno.test("a model promoting itself in its commit is read by its alias's readers in the same run", async () => {
  const events = defineAsset({
    key: "demo.events",
    partitions,
    materialize: (ctx) => Promise.resolve({ data: `events of ${ctx.partition}` }),
  });
  const model = defineAsset({
    key: "demo.model",
    partitions,
    deps: [events],
    // Only the first day passes its gates: it promotes itself; the second leaves the alias.
    materialize: (ctx) =>
      Promise.resolve({
        data: `model trained for ${ctx.partition}`,
        ...(ctx.partition === DAY1 && {
          moveAlias: { alias: "champion", reason: "passed every gate", expectedFrom: null },
        }),
      }),
  });
  const scores = defineAsset({
    key: "demo.scores",
    partitions,
    deps: [events, dep(model, aliased("champion"))],
    materialize: (ctx) => {
      const [champion] = ctx.input(model);
      return Promise.resolve({ data: `scored with ${champion.materializationId}` });
    },
  });
  const h = await openHarness([events, model, scores], {
    clock: new FakeClock(new Date("2026-03-03T12:00:00Z")),
  });
  try {
    // Before any run the scores wait for the alias, though their day's events will exist.
    const before = await h.status("demo.scores", DAY1);
    assert.equal(describeStatus(before), "alias champion of demo.model points at nothing yet");
    const outcome = await h.run();
    assert.equal(outcome.run?.status, "succeeded");
    // Every scores step waits for every model step, which may move the alias.
    for (const day of [DAY1, DAY2]) {
      const step = outcome.plan.steps.find((s) => s.id === `demo.scores@${day}`);
      assert.deepEqual(step?.upstreamSteps, [
        `demo.events@${day}`,
        "demo.model@2026-03-01",
        "demo.model@2026-03-02",
      ]);
    }
    const champion = await h.store.aliases.current(model.key, "champion");
    assert.equal(champion?.partition, DAY1);
    const [history] = await h.store.aliases.history(model.key, "champion", 5);
    assert.equal(history.movedBy, `run ${outcome.run!.runId}`);
    const [scored] = await h.store.partitions.listMaterializations(scores.key, DAY2, 1);
    assert.deepEqual(scored.inputs.map((i) => `${i.assetKey}@${i.partition}`), [
      "demo.events@2026-03-02",
      "demo.model@@champion",
    ]);
    assert.equal((await h.status("demo.scores", DAY2)).status, "fresh");
  } finally {
    await h.close();
  }
});
