// Quantile bins: cuts between distinct values, at most 255 value bins plus a missing code,
// codes column-major, and "bin <= b" meaning exactly "x < cuts[b]" in float32.
import assert from "node:assert/strict";
import {
  binColumn,
  binFeatures,
  binOf,
  learnAndBinColumn,
  learnBinEdges,
  learnFeatureCuts,
  MAX_VALUE_BINS,
  MISSING_BIN,
} from "../../models/binning.ts";
import { SeededRandom } from "../../models/seeded_random.ts";
import { createTrainingData } from "../../models/training_data.ts";

function column(values: readonly number[]) {
  return createTrainingData({
    features: Float32Array.from(values),
    labels: new Uint8Array(values.length),
    featureCount: 1,
  });
}

Deno.test("learnBinEdges() cuts halfway between each pair of distinct values when they are few", () => {
  const data = createTrainingData({
    features: Float32Array.from([0, 5, 1, NaN, 1, 7, 2, 5]),
    labels: new Uint8Array(4),
    featureCount: 2,
  });
  assert.deepEqual(learnBinEdges(data), [[0.5, 1.5], [6]]);
});

Deno.test("binFeatures() codes rows column-major with their own code for missing values", () => {
  const data = createTrainingData({
    features: Float32Array.from([0, 5, 1, NaN, 1, 7, 2, 5]),
    labels: new Uint8Array(4),
    featureCount: 2,
  });
  const binned = binFeatures(data, learnBinEdges(data));
  assert.deepEqual([...binned.codes], [0, 1, 1, 2, 0, MISSING_BIN, 1, 0]);
  assert.deepEqual([...binned.valueBins], [3, 2]);
});

Deno.test("learnBinEdges() keeps at most 255 value bins of about equal count for many values", () => {
  const values = Array.from({ length: 10_000 }, (_, i) => (i * 7919) % 10_000);
  const data = column(values);
  const [cuts] = learnBinEdges(data);
  assert.equal(cuts.length, MAX_VALUE_BINS - 1);
  const binned = binFeatures(data, [cuts]);
  const counts = new Array(MAX_VALUE_BINS).fill(0);
  for (const code of binned.codes) counts[code]++;
  assert.ok(Math.min(...counts) >= 39 && Math.max(...counts) <= 40, `${counts}`);
});

Deno.test("learnBinEdges() gives a value as common as a bin its own bin", () => {
  // Half the rows are 0 and one row is -1: 0 must not share -1's bin.
  const values = [
    -1,
    ...new Array(5_000).fill(0),
    ...Array.from({ length: 5_000 }, (_, i) => i + 1),
  ];
  const [cuts] = learnBinEdges(column(values), 16);
  assert.equal(cuts[0], -0.5);
  assert.equal(cuts[1], 0.5);
  assert.ok(cuts.length <= 14);
});

Deno.test("learnBinEdges() takes the upper value as the cut between adjacent float32 values", () => {
  const below = Math.fround(0.1);
  const above = new Float32Array(
    new Uint32Array([new Uint32Array(Float32Array.of(below).buffer)[0] + 1]).buffer,
  )[0];
  const [cuts] = learnBinEdges(column([below, above]));
  assert.deepEqual(cuts, [above]);
  assert.equal(binOf(Float32Array.from(cuts), below), 0);
  assert.equal(binOf(Float32Array.from(cuts), above), 1);
});

Deno.test("binOf() puts x in a bin <= b exactly when x < cuts[b], and NaN in the missing bin", () => {
  const cuts = Float32Array.from([0.5, 1.5, 2.5]);
  assert.equal(binOf(cuts, -3), 0);
  assert.equal(binOf(cuts, 0.5), 1);
  assert.equal(binOf(cuts, 0.49999997), 0);
  assert.equal(binOf(cuts, 2.5), 3);
  assert.equal(binOf(cuts, Infinity), 3);
  assert.equal(binOf(cuts, NaN), MISSING_BIN);
});

Deno.test("learnBinEdges() rejects a bin count that does not fit a byte with the missing code", () => {
  assert.throws(
    () => learnBinEdges(column([1, 2]), 300),
    /'maxBins' must be an integer from 3 to 256 \(one code is kept for missing values\): current value is 300/,
  );
});

Deno.test("learnBinEdges() orders negative values and treats -0 as 0", () => {
  const [cuts] = learnBinEdges(column([1, -0, -2, 0, -1, -2]));
  assert.deepEqual(cuts, [-1.5, -0.5, 0.5]);
});

Deno.test("learnAndBinColumn() gives learnFeatureCuts()'s cuts and binColumn()'s codes", () => {
  const random = new SeededRandom(7);
  const rows = 20_000;
  const featureCount = 5;
  const features = new Float32Array(rows * featureCount);
  const special = [NaN, -0, 0, Infinity, -Infinity, -1e-30, 1e30];
  for (let r = 0; r < rows; r++) {
    const at = r * featureCount;
    features[at] = random.nextFloat() * 2000 - 1000; // many distinct values, both signs
    features[at + 1] = random.nextInt(7); // few small integers
    features[at + 2] = random.nextFloat() < 0.3 ? NaN : random.nextInt(400) / 4; // missing, ties
    features[at + 3] = special[random.nextInt(special.length)];
    features[at + 4] = random.nextFloat() < 0.5 ? 3 : Math.exp(random.nextFloat() * 20); // heavy value
  }
  const scratch = new Uint32Array(4 * rows);
  for (const maxBins of [256, 16]) {
    for (let f = 0; f < featureCount; f++) {
      const expectedCuts = learnFeatureCuts(
        features,
        rows,
        featureCount,
        f,
        maxBins,
        new Uint32Array(rows),
      );
      const expectedCodes = new Uint8Array(rows * featureCount);
      binColumn(features, rows, featureCount, f, Float32Array.from(expectedCuts), expectedCodes);
      const codes = new Uint8Array(rows * featureCount);
      const cuts = learnAndBinColumn(features, rows, featureCount, f, maxBins, codes, scratch);
      assert.deepEqual(cuts, expectedCuts, `feature ${f}, ${maxBins} bins`);
      assert.deepEqual(codes, expectedCodes, `feature ${f}, ${maxBins} bins`);
    }
  }
});
