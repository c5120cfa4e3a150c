// Gradient histograms, the trainer's hot loop: per feature and bin, the sums of the gradients
// and hessians of a node's rows; a sibling's comes from its parent's by subtraction.
import { MISSING_BIN } from "./binning.ts";

/** Slots per feature: 256 bins (the last one, MISSING_BIN, for missing values) x (g, h). */
export const FEATURE_SLOTS = 512;

/** The slot of a bin's gradient sum; its hessian sum is the next slot. */
export function slotOf(feature: number, bin: number): number {
  return (feature << 9) | (bin << 1);
}

/** The missing bin's gradient slot within a feature's slots. */
export const MISSING_SLOT = MISSING_BIN << 1;

/*
 * Both builders read four features' codes per pass over the rows: the row index, gradient and
 * hessian are loaded once for four updates, and the four updates are independent of each
 * other, which measured about 1.6x faster than one feature per pass.
 */

/**
 * Fills `hist` for `features[from..to)` from the rows `order[begin..end)`: their gradients are
 * gathered into contiguous buffers (unless `gather` is false: the buffers already hold these
 * rows'), then the features' codes columns are read row by row.
 */
export function buildHistogram(
  hist: Float64Array,
  codes: Uint8Array,
  rows: number,
  features: Int32Array,
  from: number,
  to: number,
  order: Uint32Array,
  begin: number,
  end: number,
  grad: Float32Array,
  hess: Float32Array,
  gatheredGrad: Float32Array,
  gatheredHess: Float32Array,
  gather = true,
): void {
  if (from >= to) return;
  const count = end - begin;
  if (gather) {
    for (let j = 0; j < count; j++) {
      const row = order[begin + j];
      gatheredGrad[j] = grad[row];
      gatheredHess[j] = hess[row];
    }
  }
  for (let k = from; k < to; k++) clearFeature(hist, features[k]);
  let k = from;
  for (; k + 4 <= to; k += 4) {
    const a = features[k] * rows;
    const b = features[k + 1] * rows;
    const c = features[k + 2] * rows;
    const d = features[k + 3] * rows;
    const sa = features[k] << 9;
    const sb = features[k + 1] << 9;
    const sc = features[k + 2] << 9;
    const sd = features[k + 3] << 9;
    for (let j = 0; j < count; j++) {
      const row = order[begin + j];
      const g = gatheredGrad[j];
      const h = gatheredHess[j];
      const x = sa | (codes[a + row] << 1);
      const y = sb | (codes[b + row] << 1);
      const z = sc | (codes[c + row] << 1);
      const w = sd | (codes[d + row] << 1);
      hist[x] += g;
      hist[x + 1] += h;
      hist[y] += g;
      hist[y + 1] += h;
      hist[z] += g;
      hist[z + 1] += h;
      hist[w] += g;
      hist[w + 1] += h;
    }
  }
  for (; k < to; k++) {
    const a = features[k] * rows;
    const sa = features[k] << 9;
    for (let j = 0; j < count; j++) {
      const x = sa | (codes[a + order[begin + j]] << 1);
      hist[x] += gatheredGrad[j];
      hist[x + 1] += gatheredHess[j];
    }
  }
}

/** `buildHistogram` over every row in row order (the root without row sampling). */
export function buildHistogramAllRows(
  hist: Float64Array,
  codes: Uint8Array,
  rows: number,
  features: Int32Array,
  from: number,
  to: number,
  grad: Float32Array,
  hess: Float32Array,
): void {
  for (let k = from; k < to; k++) clearFeature(hist, features[k]);
  let k = from;
  for (; k + 4 <= to; k += 4) {
    const a = features[k] * rows;
    const b = features[k + 1] * rows;
    const c = features[k + 2] * rows;
    const d = features[k + 3] * rows;
    const sa = features[k] << 9;
    const sb = features[k + 1] << 9;
    const sc = features[k + 2] << 9;
    const sd = features[k + 3] << 9;
    for (let row = 0; row < rows; row++) {
      const g = grad[row];
      const h = hess[row];
      const x = sa | (codes[a + row] << 1);
      const y = sb | (codes[b + row] << 1);
      const z = sc | (codes[c + row] << 1);
      const w = sd | (codes[d + row] << 1);
      hist[x] += g;
      hist[x + 1] += h;
      hist[y] += g;
      hist[y + 1] += h;
      hist[z] += g;
      hist[z + 1] += h;
      hist[w] += g;
      hist[w + 1] += h;
    }
  }
  for (; k < to; k++) {
    const a = features[k] * rows;
    const sa = features[k] << 9;
    for (let row = 0; row < rows; row++) {
      const x = sa | (codes[a + row] << 1);
      hist[x] += grad[row];
      hist[x + 1] += hess[row];
    }
  }
}

function clearFeature(hist: Float64Array, feature: number): void {
  const slots = feature << 9;
  hist.fill(0, slots, slots + FEATURE_SLOTS);
}

/** `target = parent - child` for `features[from..to)` (target may be parent itself). */
export function subtractHistogram(
  target: Float64Array,
  parent: Float64Array,
  child: Float64Array,
  features: Int32Array,
  from: number,
  to: number,
): void {
  for (let k = from; k < to; k++) {
    const slots = features[k] << 9;
    for (let slot = slots; slot < slots + FEATURE_SLOTS; slot++) {
      target[slot] = parent[slot] - child[slot];
    }
  }
}
