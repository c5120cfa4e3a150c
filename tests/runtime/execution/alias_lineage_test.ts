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
    // No champion yet: the models run, the scores wait.
    assert.deepEqual(first.run?.steps.map((s) => `${s.assetKey}@${s.partition}`), [
      "demo.model@2026-03-01",
      "demo.model@2026-03-02",
    ]);
    assert.equal(first.plan.waiting.length, 2);

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
