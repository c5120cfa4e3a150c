// models.fraud_detector through the runtime: trained on the window before its day, validated on
// the day before, exported to ONNX with parity checked, figures kept in its metadata, and
// promoted to champion in its own commit only when every gate passes; each gate failing leaves
// the champion where it is and says which gate and the figures.
import assert from "node:assert/strict";
import type { AssetDefinition } from "../../../runtime/definitions/asset.ts";
import type { PartitionKey } from "../../../runtime/partitions/partition_key.ts";
import { loadPointer } from "../../../runtime/store/partition_store.ts";
import { DEFAULT_GATE_THRESHOLDS, type GateThresholds } from "../../../models/gates.ts";
import { type ModelReport, modelReportOf } from "../../../models/model_report.ts";
import { CHAMPION } from "../../../models/model_versions.ts";
import { fraudDetectorAsset, MODEL_FILES } from "../../../assets/fraud_detector.ts";
import { FakeClock } from "../../support/fake_clock.ts";
import { type Harness, openHarness } from "../../support/runtime_harness.ts";
import { fakeAlerts, fakeSilver, FAST_PARAMS } from "../_model_fixture.ts";

const NOW = new Date("2026-03-06T12:00:00Z");
const DAY = "2026-03-05" as PartitionKey;
const NEXT = "2026-03-06" as PartitionKey;

/** The silver and alerts stand-ins, materialized, and one model asset per set of gates. */
async function openModels(
  gates: Readonly<Record<string, GateThresholds>>,
): Promise<{ h: Harness; models: Record<string, AssetDefinition> }> {
  const silver = fakeSilver();
  const alerts = fakeAlerts(silver);
  const models = Object.fromEntries(
    Object.entries(gates).map(([name, thresholds]) => {
      const model = fraudDetectorAsset(silver, alerts, { params: FAST_PARAMS, gates: thresholds });
      // One graph holds them all: each variant under its own key.
      return [name, { ...model, key: `models.${name}` } as AssetDefinition];
    }),
  );
  const h = await openHarness([silver, alerts, ...Object.values(models)], {
    clock: new FakeClock(NOW),
  });
  const upstream = await h.run({ selection: "silver.orders_enriched,gold.fraud_alerts" });
  assert.equal(upstream.run?.status, "succeeded");
  return { h, models };
}

async function reportOf(h: Harness, model: AssetDefinition, day = DAY): Promise<ModelReport> {
  const pointer = await loadPointer(h.store.partitions, model.key, day);
  const record = await h.store.partitions.getMaterialization(pointer!.materializationId!);
  return modelReportOf(record!.metadata)!;
}

async function checkOf(h: Harness, model: AssetDefinition, name: string, day = DAY) {
  const checks = await h.store.checks.latestCheckResults(model.key);
  return checks.get(day)?.find((c) => c.name === name);
}

const DEFAULTS = DEFAULT_GATE_THRESHOLDS;

Deno.test("a model that passes every gate is champion in its own commit, with its figures kept", async () => {
  const { h, models } = await openModels({ fraud: DEFAULTS });
  const model = models.fraud;
  try {
    const outcome = await h.run({ selection: model.key, partitions: DAY });
    assert.equal(outcome.run?.status, "succeeded");
    const report = await reportOf(h, model);
    assert.equal(report.trained, true);
    assert.deepEqual(report.training.days, ["2026-03-01", "2026-03-02", "2026-03-03"]);
    assert.equal(report.training.rows, 4500);
    assert.equal(report.validation.day, "2026-03-04");
    assert.equal(report.validation.rows, 1500);
    assert.deepEqual(report.gates.gates.map((g) => [g.name, g.passed]), [
      ["roc_auc", true],
      ["precision", true],
      ["recall", true],
      ["feature_count", true],
      ["training_rows", true],
      ["auc_vs_champion", true],
    ]);
    assert.equal(report.promotion.promoted, true);
    assert.match(
      report.promotion.detail,
      /^promoted: all 6 gates passed \(ROC-AUC 0\.\d{4}, first champion\)$/,
    );
    // The model's figures and the rules baseline's, on the same validation day.
    for (const evaluation of [report.metrics!, report.rulesBaseline!]) {
      assert.equal(evaluation.rows, 1500);
      const c = evaluation.confusion;
      assert.equal(c.truePositives + c.falsePositives + c.trueNegatives + c.falseNegatives, 1500);
    }
    assert.ok(report.metrics!.rocAuc! > report.rulesBaseline!.rocAuc!);
    assert.ok(report.metrics!.precision! >= 0.9);
    assert.equal(report.importance!.length, 25);
    const pointer = await loadPointer(h.store.partitions, model.key, DAY);
    const champion = await h.store.aliases.current(model.key, CHAMPION);
    assert.equal(champion?.materializationId, pointer!.materializationId);
    const [move] = await h.store.aliases.history(model.key, CHAMPION, 5);
    assert.equal(move.reason, report.promotion.detail);
    // ONNX parity held on every validation row, and the gates check passed.
    const parity = await checkOf(h, model, "onnx_parity");
    assert.equal(parity?.passed, true);
    assert.match(parity!.message, /over 1500 rows of 2026-03-04$/);
    assert.equal((await checkOf(h, model, "promotion_gates"))?.passed, true);
    const dir = (await h.lake.open(pointer!.location!)).dir;
    for (const file of Object.values(MODEL_FILES)) {
      assert.ok((await Deno.stat(`${dir}/${file}`)).isFile, file);
    }
  } finally {
    await h.close();
  }
});

Deno.test("each gate failing leaves the champion where it is and names the gate and its figures", async () => {
  const failing: Record<string, [GateThresholds, RegExp]> = {
    roc_auc: [{ ...DEFAULTS, minRocAuc: 0.9999 }, /ROC-AUC 0\.\d{4} < 0\.9999/],
    precision: [{ ...DEFAULTS, minPrecision: 0.9999 }, /precision 0\.\d{4} < 0\.9999/],
    recall: [{ ...DEFAULTS, minRecall: 0.9999 }, /recall 0\.\d{4} < 0\.9999/],
    feature_count: [{ ...DEFAULTS, featureCount: 24 }, /features 25 != 24/],
  };
  const { h, models } = await openModels(
    Object.fromEntries(Object.entries(failing).map(([gate, [thresholds]]) => [gate, thresholds])),
  );
  try {
    const outcome = await h.run({ partitions: DAY, selection: "models.*" });
    // A failing gate is a warning: the version commits, the run succeeds.
    assert.equal(outcome.run?.status, "succeeded");
    for (const [gate, [, detail]] of Object.entries(failing)) {
      const model = models[gate];
      const report = await reportOf(h, model);
      assert.deepEqual(report.gates.gates.filter((g) => !g.passed).map((g) => g.name), [gate]);
      assert.equal(report.promotion.promoted, false);
      assert.equal(await h.store.aliases.current(model.key, CHAMPION), undefined, gate);
      const check = await checkOf(h, model, "promotion_gates");
      assert.equal(check?.severity, "warn");
      assert.equal(check?.passed, false);
      assert.match(
        check!.message,
        new RegExp(`^1 of 6 gates failed: ${detail.source}; champion stays$`),
      );
      assert.deepEqual((check!.failingRows as { gate: string }[]).map((r) => r.gate), [gate]);
    }
  } finally {
    await h.close();
  }
});

Deno.test("the row gate: too few training rows trains no model, and says so", async () => {
  const { h, models } = await openModels({ rows: { ...DEFAULTS, minTrainingRows: 10_000 } });
  const model = models.rows;
  try {
    assert.equal((await h.run({ selection: model.key, partitions: DAY })).run?.status, "succeeded");
    const report = await reportOf(h, model);
    assert.equal(report.trained, false);
    assert.equal(
      report.notTrained,
      "the window holds 4500 training rows, fewer than the 10000 the row gate asks for",
    );
    assert.ok(report.gates.gates.some((g) => g.name === "training_rows" && !g.passed));
    // Counted without loading features: the same facts and rules baseline as a trained report.
    assert.equal(report.training.rows, 4500);
    assert.ok(report.validation.rows > 0);
    assert.deepEqual(
      [report.rulesBaseline?.rows, report.rulesBaseline?.positives],
      [report.validation.rows, report.validation.positives],
    );
    assert.equal(await h.store.aliases.current(model.key, CHAMPION), undefined);
    const parity = await checkOf(h, model, "onnx_parity");
    assert.deepEqual([parity?.passed, parity?.message], [true, "no model was trained"]);
    assert.match(
      (await checkOf(h, model, "promotion_gates"))!.message,
      /training rows 4500 < 10000/,
    );
  } finally {
    await h.close();
  }
});

Deno.test("the champion gate holds a later version to the champion's AUC on its validation day", async () => {
  // "strict" asks a newcomer to beat the champion by half a point of AUC, which none can.
  const { h, models } = await openModels({
    lenient: { ...DEFAULTS, maxAucDrop: 1 },
    strict: { ...DEFAULTS, maxAucDrop: -0.5 },
  });
  try {
    await h.run({ selection: "models.*", partitions: DAY });
    await h.run({ selection: "models.*", partitions: NEXT });
    for (const [name, promoted] of [["lenient", true], ["strict", false]] as const) {
      const model = models[name];
      const first = (await loadPointer(h.store.partitions, model.key, DAY))!.materializationId!;
      const next = await reportOf(h, model, NEXT);
      // Scored on NEXT's validation day (DAY), the champion trained for DAY.
      assert.deepEqual(
        [next.champion?.version, next.champion?.partition],
        [first.slice(0, 8), DAY],
      );
      const gate = next.gates.gates.find((g) => g.name === "auc_vs_champion")!;
      assert.equal(gate.passed, promoted, gate.detail);
      assert.equal(gate.bound, next.champion!.rocAuc! - (promoted ? 1 : -0.5));
      assert.match(gate.detail, new RegExp(`\\(champion ${first.slice(0, 8)} 0\\.\\d{4} - `));
      const champion = await h.store.aliases.current(model.key, CHAMPION);
      assert.equal(champion?.partition, promoted ? NEXT : DAY, name);
    }
    const check = await checkOf(h, models.strict, "promotion_gates", NEXT);
    assert.match(check!.message, /^1 of 6 gates failed: ROC-AUC 0\.\d{4} < 1\.\d{4} \(champion /);
  } finally {
    await h.close();
  }
});
