// The split search on a hand-made histogram: every candidate's gain worked out by hand,
// missing values tried on both sides, min child weight and gamma respected.
import assert from "node:assert/strict";
import { MISSING_BIN } from "../../models/binning.ts";
import { slotOf } from "../../models/histogram.ts";
import { emptyCandidate, findBestSplit } from "../../models/split_finder.ts";

/**
 * One feature, three value bins and the missing bin, as (g, h): bin 0 (2, 1), bin 1 (-1, 1),
 * bin 2 (-3, 2), missing (1, 1). Totals G = -1, H = 5.
 */
function histogram(): Float64Array {
  const hist = new Float64Array(512);
  const set = (bin: number, g: number, h: number) => {
    hist[slotOf(0, bin)] = g;
    hist[slotOf(0, bin) + 1] = h;
  };
  set(0, 2, 1);
  set(1, -1, 1);
  set(2, -3, 2);
  set(MISSING_BIN, 1, 1);
  return hist;
}

function search(rules: { lambda: number; gamma: number; minChildWeight: number }) {
  const best = emptyCandidate();
  findBestSplit(histogram(), -1, 5, Int32Array.of(0), 0, 1, Uint16Array.of(3), rules, best);
  return best;
}

Deno.test("findBestSplit() picks the highest gain, here bin 0 with missing values left", () => {
  // With lambda 1 the parent scores 1/6. Missing right: bin 0 -> 4/2 + 9/5 - 1/6,
  // bin 1 -> 1/3 + 4/4 - 1/6, bin 2 -> 4/5 + 1/2 - 1/6. Missing left: bin 0 -> 9/3 + 16/4 - 1/6
  // = 41/6 (the best), bin 1 -> 4/4 + 9/3 - 1/6; bin 2 leaves nothing on the right.
  const best = search({ lambda: 1, gamma: 0, minChildWeight: 0 });
  assert.equal(best.feature, 0);
  assert.equal(best.bin, 0);
  assert.equal(best.missingLeft, true);
  assert.ok(Math.abs(best.gain - 41 / 6) < 1e-12, `${best.gain}`);
  assert.deepEqual([best.leftGrad, best.leftHess], [3, 2]);
});

Deno.test("findBestSplit() finds no split when every candidate leaves a child too light", () => {
  const best = search({ lambda: 1, gamma: 0, minChildWeight: 2.5 });
  assert.equal(best.feature, -1);
  assert.equal(best.gain, -Infinity);
});

Deno.test("findBestSplit() needs a gain of at least gamma", () => {
  assert.equal(search({ lambda: 1, gamma: 7, minChildWeight: 0 }).feature, -1);
  assert.equal(search({ lambda: 1, gamma: 6.8, minChildWeight: 0 }).bin, 0);
});
