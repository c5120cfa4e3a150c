// Histograms: the row-subset builder, the all-rows builder and subtraction agree with sums
// worked out row by row, for any slice of the features.
import assert from "node:assert/strict";
import { MISSING_BIN } from "../../models/binning.ts";
import {
  buildHistogram,
  buildHistogramAllRows,
  slotOf,
  subtractHistogram,
} from "../../models/histogram.ts";
import { SeededRandom } from "../../models/seeded_random.ts";

const ROWS = 1_000;
const FEATURES = 7;

function fixture() {
  const random = new SeededRandom(5);
  const codes = new Uint8Array(ROWS * FEATURES);
  for (let i = 0; i < codes.length; i++) {
    codes[i] = random.nextFloat() < 0.1 ? MISSING_BIN : random.nextInt(20);
  }
  // Multiples of 1/8 add exactly in any order, so expected sums are exact.
  const grad = Float32Array.from({ length: ROWS }, () => random.nextInt(17) / 8 - 1);
  const hess = Float32Array.from({ length: ROWS }, () => random.nextInt(9) / 8);
  return { codes, grad, hess, features: Int32Array.from({ length: FEATURES }, (_, f) => f) };
}

function expected(rows: readonly number[], f: ReturnType<typeof fixture>): Float64Array {
  const hist = new Float64Array(FEATURES * 512);
  for (const row of rows) {
    for (let feature = 0; feature < FEATURES; feature++) {
      const slot = slotOf(feature, f.codes[feature * ROWS + row]);
      hist[slot] += f.grad[row];
      hist[slot + 1] += f.hess[row];
    }
  }
  return hist;
}

Deno.test("buildHistogramAllRows() sums every row's gradient and hessian by feature and bin", () => {
  const f = fixture();
  const hist = new Float64Array(FEATURES * 512).fill(99);
  buildHistogramAllRows(hist, f.codes, ROWS, f.features, 0, FEATURES, f.grad, f.hess);
  assert.deepEqual(hist, expected(Array.from({ length: ROWS }, (_, r) => r), f));
});

Deno.test("buildHistogram() sums a subset of rows, and only the features asked for", () => {
  const f = fixture();
  const subset = Array.from({ length: ROWS }, (_, r) => r).filter((r) => r % 3 !== 0);
  const order = Uint32Array.from(subset);
  const hist = new Float64Array(FEATURES * 512);
  const gathered = [new Float32Array(ROWS), new Float32Array(ROWS)] as const;
  buildHistogram(
    hist,
    f.codes,
    ROWS,
    f.features,
    0,
    5,
    order,
    0,
    subset.length,
    f.grad,
    f.hess,
    ...gathered,
  );
  buildHistogram(
    hist,
    f.codes,
    ROWS,
    f.features,
    5,
    7,
    order,
    0,
    subset.length,
    f.grad,
    f.hess,
    ...gathered,
  );
  assert.deepEqual(hist, expected(subset, f));
  const untouched = new Float64Array(FEATURES * 512).fill(7);
  buildHistogram(
    untouched,
    f.codes,
    ROWS,
    f.features,
    2,
    3,
    order,
    0,
    10,
    f.grad,
    f.hess,
    ...gathered,
  );
  assert.equal(untouched[slotOf(0, 0)], 7, "feature 0 is not touched");
  assert.equal(untouched[slotOf(3, 0)], 7, "feature 3 is not touched");
});

Deno.test("subtractHistogram() gives the sibling's histogram from the parent's", () => {
  const f = fixture();
  const all = Array.from({ length: ROWS }, (_, r) => r);
  const parent = expected(all, f);
  const child = expected(all.filter((r) => r % 4 === 0), f);
  subtractHistogram(parent, parent, child, f.features, 0, FEATURES);
  assert.deepEqual(parent, expected(all.filter((r) => r % 4 !== 0), f));
});
