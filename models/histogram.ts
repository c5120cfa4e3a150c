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

/**
 * Fills `hist` for `features[from..to)` from the rows `order[begin..end)`: their gradients are
 * gathered into contiguous buffers once, then each feature's codes column is read row by row.
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
): void {
  const count = end - begin;
  if (from >= to) return;
  for (let j = 0; j < count; j++) {
    const row = order[begin + j];
    gatheredGrad[j] = grad[row];
    gatheredHess[j] = hess[row];
  }
  for (let k = from; k < to; k++) {
    const feature = features[k];
    const base = feature * rows;
    const slots = feature << 9;
    hist.fill(0, slots, slots + FEATURE_SLOTS);
    for (let j = 0; j < count; j++) {
      const slot = slots | (codes[base + order[begin + j]] << 1);
      hist[slot] += gatheredGrad[j];
      hist[slot + 1] += gatheredHess[j];
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
  for (let k = from; k < to; k++) {
    const feature = features[k];
    const base = feature * rows;
    const slots = feature << 9;
    hist.fill(0, slots, slots + FEATURE_SLOTS);
    for (let row = 0; row < rows; row++) {
      const slot = slots | (codes[base + row] << 1);
      hist[slot] += grad[row];
      hist[slot + 1] += hess[row];
    }
  }
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
