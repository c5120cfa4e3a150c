// The models page and its actions over the real platform: a model asset's versions with their
// reports, the champion alias moved by promote and rollback from the UI, refusals as 400s.
import assert from "node:assert/strict";
import { defineAsset } from "../../../runtime/definitions/asset.ts";
import type { JsonValue } from "../../../runtime/definitions/context.ts";
import { daily } from "../../../runtime/partitions/daily_partitions.ts";
import { MODEL_REPORT_FORMAT } from "../../../models/model_report.ts";
import { UiRequestError } from "../../../web/ui/errors.ts";
import { LocalRuns } from "../../../web/ui/local_runs.ts";
import { StoreUiActions } from "../../../web/ui/store_ui_actions.ts";
import { StoreUiData } from "../../../web/ui/store_ui_data.ts";
import { FakeClock } from "../../support/fake_clock.ts";
import { type Harness, openHarness } from "../../support/runtime_harness.ts";

const MODEL = "models.demo_detector";

/** A model report as the model asset writes it, with this ROC-AUC and gate outcome. */
function report(rocAuc: number, passed: boolean): Record<string, JsonValue> {
  const evaluation = {
    rows: 1000,
    positives: 30,
    rocAuc,
    prAuc: 0.5,
    logLoss: 0.2,
    brier: 0.05,
    threshold: 0.5,
    thresholdReached: true,
    precision: 0.8,
    recall: 0.7,
    confusion: { truePositives: 21, falsePositives: 5, trueNegatives: 965, falseNegatives: 9 },
  };
  return {
    format: MODEL_REPORT_FORMAT,
    trained: true,
    training: { rows: 9000, positives: 270, days: ["2026-03-01"] },
    validation: { day: "2026-03-02", rows: 1000, positives: 30 },
    metrics: evaluation,
    importance: [
      { feature: "velocity_1h", gain: 12.5, importance: 0.6 },
      { feature: "account_age_days", gain: 8.25, importance: 0.4 },
    ],
    gates: { passed, summary: passed ? "every gate passed" : "roc_auc below 0.85", gates: [] },
    promotion: { promoted: false, detail: "promoted by hand only" },
  };
}

async function withModels(
  fn: (h: Harness, data: StoreUiData, actions: StoreUiActions) => Promise<void>,
) {
  const figures: Record<string, [number, boolean]> = {
    "2026-03-01": [0.91, true],
    "2026-03-02": [0.93, true],
    "2026-03-03": [0.7, false],
  };
  const model = defineAsset({
    key: MODEL,
    group: "models",
    partitions: daily({ start: "2026-03-01", end: "2026-03-03" }),
    materialize: (ctx) => {
      const [auc, passed] = figures[ctx.partition];
      return Promise.resolve({ data: `model of ${ctx.partition}`, metadata: report(auc, passed) });
    },
  });
  const h = await openHarness([model], { clock: new FakeClock(new Date("2026-03-04T12:00:00Z")) });
  const localRuns = new LocalRuns(h.clock);
  const data = new StoreUiData({ graph: h.graph, store: h.store, clock: h.clock, localRuns });
  const actions = new StoreUiActions({
    graph: h.graph,
    store: h.store,
    clock: h.clock,
    localRuns,
    claimant: "ui@test:1",
    claimer: { claim: () => Promise.reject(new Error("this test claims nothing")) },
    execute: () => Promise.reject(new Error("this test runs nothing")),
  });
  try {
    // One version a minute, oldest day first, so "newest first" is the days in reverse.
    for (const day of Object.keys(figures)) {
      await h.run({ partitions: day });
      h.clock.advance(60_000);
    }
    await fn(h, data, actions);
  } finally {
    await h.close();
  }
}

Deno.test("the models page lists a model's versions with their metrics and gates, then its champion", async () => {
  await withModels(async (h, data, actions) => {
    const [before] = await data.models();
    assert.equal(before.key, MODEL);
    assert.equal(before.champion, undefined);
    assert.equal(before.versions.length, 3);
    const newest = before.versions[0];
    assert.deepEqual([newest.gates, newest.aliases, newest.metrics.roc_auc], ["failed", [], 0.7]);
    assert.deepEqual(before.versions[1].metrics, {
      roc_auc: 0.93,
      pr_auc: 0.5,
      precision: 0.8,
      recall: 0.7,
      log_loss: 0.2,
    });
    assert.deepEqual(before.importance, [
      { feature: "velocity_1h", gain: 12.5 },
      { feature: "account_age_days", gain: 8.25 },
    ]);

    const [, second, first] = before.versions;
    await actions.promote({ model: MODEL, version: first.version, alias: "champion" });
    await actions.promote({ model: MODEL, version: second.version, alias: "champion" });
    assert.equal((await data.models())[0].champion, second.version);
    const history = await h.store.aliases.history(MODEL as never, "champion", 5);
    assert.deepEqual(history.map((m) => [m.movedBy, m.reason]), [
      ["ui@test:1", "promoted in the UI"],
      ["ui@test:1", "promoted in the UI"],
    ]);

    await actions.rollback({ model: MODEL, alias: "champion" });
    const after = (await data.models())[0];
    assert.equal(after.champion, first.version);
    assert.deepEqual(after.versions.find((v) => v.version === first.version)?.aliases, [
      "champion",
    ]);
  });
});

Deno.test("promote refuses a version that failed its gates, an unknown one and another alias, as 400s", async () => {
  await withModels(async (_h, data, actions) => {
    const [failed] = (await data.models())[0].versions;
    const refusal = (pattern: RegExp) => (error: unknown) =>
      error instanceof UiRequestError && pattern.test(error.message);
    await assert.rejects(
      actions.promote({ model: MODEL, version: failed.version, alias: "champion" }),
      refusal(/^Cannot promote .*: roc_auc below 0\.85/),
    );
    await assert.rejects(
      actions.promote({ model: MODEL, version: "ffffffff", alias: "champion" }),
      refusal(/^No version 'ffffffff' of models\.demo_detector/),
    );
    await assert.rejects(
      actions.promote({ model: MODEL, version: failed.version, alias: "latest" }),
      refusal(/^Cannot move alias 'latest' from the UI/),
    );
    await assert.rejects(
      actions.rollback({ model: MODEL, alias: "champion" }),
      refusal(/^Cannot roll back models\.demo_detector: it has no champion yet/),
    );
  });
});
