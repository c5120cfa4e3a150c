import assert from "node:assert/strict";
import { featureProfiles, populationStability, PSI_ALERT } from "../../models/feature_drift.ts";
import { createTrainingData } from "../../models/training_data.ts";

/** Two features per row: a value and a 0/1 flag. */
function rows(values: readonly (readonly [number, number])[]) {
  return createTrainingData({
    features: Float32Array.from(values.flat()),
    labels: new Uint8Array(values.length),
    featureCount: 2,
  });
}

const uniform = (n: number, offset = 0, flagEvery = 10) =>
  Array.from({ length: n }, (_, i) => [offset + i, i % flagEvery === 0 ? 1 : 0] as const);

Deno.test("featureProfiles() keeps decile edges and shares; a 0/1 flag keeps two bins", () => {
  const [value, flag] = featureProfiles(rows(uniform(100)), ["value", "flag"]);
  assert.deepEqual(value.edges, [9, 19, 29, 39, 49, 59, 69, 79, 89]);
  assert.deepEqual(value.shares, [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]);
  assert.equal(value.missing, 0);
  assert.deepEqual(flag.edges, [0]);
  assert.deepEqual(flag.shares, [0.9, 0.1]);
});

Deno.test("populationStability() is 0 on the training distribution and names a shifted feature", () => {
  const profiles = featureProfiles(rows(uniform(100)), ["value", "flag"]);
  const same = populationStability(profiles, rows(uniform(100)));
  assert.deepEqual(same.map((d) => [d.feature, d.psi]), [["value", 0], ["flag", 0]]);
  // Every value above the training range, and the flag twice as common.
  const shifted = populationStability(profiles, rows(uniform(100, 1000, 5)));
  assert.ok(shifted[0].psi > PSI_ALERT, `value ${shifted[0].psi}`);
  assert.ok(shifted[1].psi > 0.05 && shifted[1].psi < PSI_ALERT, `flag ${shifted[1].psi}`);
});

Deno.test("populationStability() counts missing values as a bin of their own", () => {
  const profiles = featureProfiles(rows(uniform(100)), ["value", "flag"]);
  const missing = uniform(100).map(([v, f], i) => [i < 50 ? NaN : v, f] as const);
  const [value] = populationStability(profiles, rows(missing));
  // Half the rows moved from their bins to the missing bin (floored at 1e-4 in training).
  assert.ok(value.psi > 3, `psi ${value.psi}`);
  assert.equal(Number.isFinite(value.psi), true);
});
