// The promotion gates: each one passing and failing, with its figure, bound and the summary
// line that names what failed.
import assert from "node:assert/strict";
import { type CandidateFigures, evaluateGates, type GateName } from "../../models/gates.ts";

const GOOD: CandidateFigures = {
  rocAuc: 0.95,
  precision: 0.9,
  recall: 0.7,
  featureCount: 25,
  trainingRows: 250_000,
};

function gate(name: GateName, candidate: CandidateFigures, championAuc?: number) {
  const evaluation = evaluateGates(
    candidate,
    championAuc === undefined ? undefined : { rocAuc: championAuc },
  );
  return { evaluation, gate: evaluation.gates.find((entry) => entry.name === name)! };
}

Deno.test("evaluateGates() passes a good candidate on all six gates and says so", () => {
  const evaluation = evaluateGates(GOOD, { rocAuc: 0.952, version: "v7" });
  assert.equal(evaluation.passed, true);
  assert.equal(evaluation.summary, "all 6 gates passed");
  assert.deepEqual(
    evaluation.gates.map((entry) => [entry.name, entry.passed]),
    [
      ["roc_auc", true],
      ["precision", true],
      ["recall", true],
      ["feature_count", true],
      ["training_rows", true],
      ["auc_vs_champion", true],
    ],
  );
});

const FAILURES: readonly [GateName, Partial<CandidateFigures>, string][] = [
  ["roc_auc", { rocAuc: 0.84 }, "ROC-AUC 0.8400 < 0.8500"],
  ["precision", { precision: 0.65 }, "precision 0.6500 < 0.7000"],
  ["recall", { recall: 0.55 }, "recall 0.5500 < 0.6000"],
  ["feature_count", { featureCount: 24 }, "features 24 != 25"],
  ["training_rows", { trainingRows: 999 }, "training rows 999 < 1000"],
];

for (const [name, change, detail] of FAILURES) {
  Deno.test(`evaluateGates() fails the ${name} gate with its figure and bound`, () => {
    const { evaluation, gate: result } = gate(name, { ...GOOD, ...change });
    assert.equal(result.passed, false);
    assert.equal(result.detail, detail);
    assert.equal(evaluation.passed, false);
    assert.equal(evaluation.summary, `1 of 6 gates failed: ${detail}`);
  });
}

Deno.test("evaluateGates() passes figures exactly at their bounds", () => {
  const evaluation = evaluateGates({
    rocAuc: 0.85,
    precision: 0.7,
    recall: 0.6,
    featureCount: 25,
    trainingRows: 1_000,
  });
  assert.equal(evaluation.summary, "all 6 gates passed");
  const rows = evaluation.gates.find((entry) => entry.name === "training_rows")!;
  assert.deepEqual([rows.figure, rows.bound, rows.comparison], [1_000, 1_000, ">="]);
});

Deno.test("evaluateGates() fails a candidate more than 0.005 AUC below the champion", () => {
  const { evaluation, gate: result } = gate("auc_vs_champion", { ...GOOD, rocAuc: 0.94 }, 0.95);
  assert.equal(result.passed, false);
  assert.equal(result.bound, 0.95 - 0.005);
  assert.equal(
    evaluation.summary,
    "1 of 6 gates failed: ROC-AUC 0.9400 < 0.9450 (champion 0.9500 - 0.005)",
  );
  assert.equal(gate("auc_vs_champion", { ...GOOD, rocAuc: 0.946 }, 0.95).gate.passed, true);
});

Deno.test("evaluateGates() passes the champion gate when there is no champion yet", () => {
  const { gate: result } = gate("auc_vs_champion", GOOD);
  assert.deepEqual(
    [result.passed, result.bound, result.detail],
    [true, null, "ROC-AUC 0.9500, no champion yet"],
  );
});

Deno.test("evaluateGates() names every failing gate in one line", () => {
  const evaluation = evaluateGates(
    { ...GOOD, precision: 0.5, trainingRows: 10, rocAuc: NaN },
    { rocAuc: 0.9, version: "2026-11-20" },
  );
  assert.equal(
    evaluation.summary,
    "4 of 6 gates failed: ROC-AUC NaN < 0.8500; precision 0.5000 < 0.7000; training rows 10 < 1000; ROC-AUC NaN < 0.8950 (champion 2026-11-20 0.9000 - 0.005)",
  );
});
