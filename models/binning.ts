// Quantile binning: each feature's split candidates (at most 255 value bins plus one code for
// missing), learned on the training rows, and the rows coded as bytes, column-major, so the
// histogram loop reads one feature's codes contiguously.
import { ModelInputError } from "./model_errors.ts";
import type { TrainingData } from "./training_data.ts";

/** The code of a missing (NaN) value, in every feature. */
export const MISSING_BIN = 255;

/** The most value bins a feature can have: one byte of codes, minus the missing code. */
export const MAX_VALUE_BINS = 255;

/**
 * Cut points per feature, ascending float32 values: a value x falls in bin b when
 * `cuts[b-1] <= x < cuts[b]`, so the split after bin b is exactly "x < cuts[b] goes left".
 */
export type BinEdges = readonly (readonly number[])[];

/** Training rows as bin codes. */
export interface BinnedMatrix {
  readonly rows: number;
  readonly featureCount: number;
  /** Column-major: the code of row r, feature f is `codes[f * rows + r]`. */
  readonly codes: Uint8Array;
  /** Value bins per feature: cuts + 1 (the missing code comes on top). */
  readonly valueBins: Uint16Array;
}

/**
 * Learns each feature's cut points from the non-missing values of `data`: every boundary
 * between distinct values when there are few, otherwise boundaries that split the values
 * into bins of about equal count (a value as common as a whole bin gets a bin of its own).
 * A cut lies halfway between the two values it separates, rounded to float32.
 */
export function learnBinEdges(data: TrainingData, maxBins = MAX_VALUE_BINS + 1): number[][] {
  checkMaxBins(maxBins);
  const keys = new Uint32Array(data.rows);
  const edges: number[][] = [];
  for (let f = 0; f < data.featureCount; f++) {
    edges.push(learnFeatureCuts(data.features, data.rows, data.featureCount, f, maxBins, keys));
  }
  return edges;
}

/** Throws unless `maxBins` leaves 2..255 value bins beside the missing code. */
export function checkMaxBins(maxBins: number): void {
  const valueBins = maxBins - 1;
  if (!Number.isInteger(maxBins) || valueBins < 2 || valueBins > MAX_VALUE_BINS) {
    throw new ModelInputError(
      `Cannot learn bins as 'maxBins' must be an integer from 3 to ${
        MAX_VALUE_BINS + 1
      } (one code is kept for missing values): current value is ${maxBins}`,
    );
  }
}

/**
 * One feature's cuts (see learnBinEdges) from row-major `features`; `keys` is scratch space of
 * at least `rows` entries.
 */
export function learnFeatureCuts(
  features: Float32Array,
  rows: number,
  featureCount: number,
  feature: number,
  maxBins: number,
  keys: Uint32Array,
): number[] {
  let present = 0;
  for (let r = 0; r < rows; r++) {
    const value = features[r * featureCount + feature];
    if (value === value) keys[present++] = sortKey(value);
  }
  // Integer keys sort several times faster than floats in V8.
  return featureCuts(keys.subarray(0, present).sort(), maxBins - 1);
}

/**
 * learnFeatureCuts and binColumn in one: the feature's values are sorted once with their rows
 * (a radix sort of their keys), the cuts learned from them, and each row's code written by one
 * sweep over the sorted rows instead of a binary search per row. The same cuts and codes,
 * several times faster. `scratch` holds at least 4 x `rows` entries.
 */
export function learnAndBinColumn(
  features: Float32Array,
  rows: number,
  featureCount: number,
  feature: number,
  maxBins: number,
  codes: Uint8Array,
  scratch: Uint32Array,
): number[] {
  const column = feature * rows;
  let keys = scratch.subarray(0, rows);
  let rowsOf = scratch.subarray(rows, 2 * rows);
  let present = 0;
  for (let r = 0; r < rows; r++) {
    const value = features[r * featureCount + feature];
    if (value === value) {
      keys[present] = sortKey(value);
      rowsOf[present++] = r;
    } else {
      codes[column + r] = MISSING_BIN;
    }
  }
  [keys, rowsOf] = radixSortWithRows(
    keys.subarray(0, present),
    rowsOf.subarray(0, present),
    scratch.subarray(2 * rows, 2 * rows + present),
    scratch.subarray(3 * rows, 3 * rows + present),
  );
  const cuts = featureCuts(keys, maxBins - 1);
  if (cuts.length > MAX_VALUE_BINS - 1) {
    throw new ModelInputError(
      `Cannot bin feature ${feature} as it has more than ${
        MAX_VALUE_BINS - 1
      } cuts: current count is ${cuts.length}`,
    );
  }
  // Bin b holds the keys at or above cut b-1's and below cut b's (binOf's "cuts <= value").
  const cutKeys = cuts.map((cut) => sortKey(Math.fround(cut)));
  let bin = 0;
  for (let i = 0; i < present; i++) {
    const key = keys[i];
    while (bin < cutKeys.length && cutKeys[bin] <= key) bin++;
    codes[column + rowsOf[i]] = bin;
  }
  return cuts;
}

/**
 * Sorts `keys` ascending with `rows` alongside (stable, least significant byte first, a byte
 * whose value all keys share skipped), using `keysSpare` and `rowsSpare` of the same length;
 * returns whichever pair holds the result.
 */
function radixSortWithRows(
  keys: Uint32Array,
  rows: Uint32Array,
  keysSpare: Uint32Array,
  rowsSpare: Uint32Array,
): [Uint32Array, Uint32Array] {
  const n = keys.length;
  const counts = new Int32Array(256);
  for (let shift = 0; shift < 32; shift += 8) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(keys[i] >>> shift) & 255]++;
    if (n === 0 || counts[(keys[0] >>> shift) & 255] === n) continue;
    let sum = 0;
    for (let digit = 0; digit < 256; digit++) {
      const count = counts[digit];
      counts[digit] = sum;
      sum += count;
    }
    for (let i = 0; i < n; i++) {
      const key = keys[i];
      const at = counts[(key >>> shift) & 255]++;
      keysSpare[at] = key;
      rowsSpare[at] = rows[i];
    }
    [keys, keysSpare] = [keysSpare, keys];
    [rows, rowsSpare] = [rowsSpare, rows];
  }
  return [keys, rows];
}

const keyBits = new Uint32Array(1);
const keyFloat = new Float32Array(keyBits.buffer);

/** An unsigned integer that orders as the float32 value does (-0 taken as 0). */
function sortKey(value: number): number {
  keyFloat[0] = value === 0 ? 0 : value;
  const bits = keyBits[0];
  return (bits & 0x80000000 ? ~bits : bits | 0x80000000) >>> 0;
}

/** The float32 value of a sort key. */
function keyValue(key: number): number {
  keyBits[0] = key & 0x80000000 ? key & 0x7fffffff : ~key;
  return keyFloat[0];
}

/** The cuts of one feature from the sort keys of its values, ascending. */
function featureCuts(sorted: Uint32Array, valueBins: number): number[] {
  const distinct: number[] = [];
  const counts: number[] = [];
  let previous = -1;
  for (let i = 0; i < sorted.length; i++) {
    if (sorted[i] === previous) {
      counts[counts.length - 1]++;
    } else {
      previous = sorted[i];
      distinct.push(keyValue(previous));
      counts.push(1);
    }
  }
  const cuts: number[] = [];
  if (distinct.length <= valueBins) {
    for (let j = 1; j < distinct.length; j++) cuts.push(cutBetween(distinct[j - 1], distinct[j]));
    return cuts;
  }
  let remaining = sorted.length;
  let binsLeft = valueBins;
  let target = remaining / binsLeft;
  let inBin = 0;
  const close = (j: number) => {
    cuts.push(cutBetween(distinct[j], distinct[j + 1]));
    remaining -= inBin;
    binsLeft--;
    target = remaining / binsLeft;
    inBin = 0;
  };
  for (let j = 0; j < distinct.length - 1 && binsLeft > 1; j++) {
    // A heavy value closes the bin before it, so it is never merged with its light neighbours.
    if (inBin > 0 && counts[j] >= target) close(j - 1);
    if (binsLeft <= 1) break;
    inBin += counts[j];
    if (inBin >= target) close(j);
  }
  return cuts;
}

/** A float32 cut with `a < cut <= b`: halfway, or b itself when a and b are adjacent floats. */
function cutBetween(a: number, b: number): number {
  const middle = Math.fround(a / 2 + b / 2);
  return middle > a ? middle : b;
}

/**
 * Codes every row of `data` with the learned edges (training or validation rows alike), into
 * `codes` when given (e.g. shared memory), else a new array.
 */
export function binFeatures(
  data: TrainingData,
  edges: BinEdges,
  codes: Uint8Array = new Uint8Array(data.rows * data.featureCount),
): BinnedMatrix {
  if (edges.length !== data.featureCount) {
    throw new ModelInputError(
      `Cannot bin the rows as the edges must cover every feature (${data.featureCount}): current count is ${edges.length}`,
    );
  }
  const { rows, featureCount, features } = data;
  if (codes.length !== rows * featureCount) {
    throw new ModelInputError(
      `Cannot bin the rows as 'codes' must hold rows x features = ${
        rows * featureCount
      } bytes: current length is ${codes.length}`,
    );
  }
  const valueBins = new Uint16Array(featureCount);
  for (let f = 0; f < featureCount; f++) {
    const cuts = Float32Array.from(edges[f]);
    valueBins[f] = cuts.length + 1;
    binColumn(features, rows, featureCount, f, cuts, codes);
  }
  return { rows, featureCount, codes, valueBins };
}

/** Codes one feature of row-major `features` into its column of `codes`. */
export function binColumn(
  features: Float32Array,
  rows: number,
  featureCount: number,
  feature: number,
  cuts: Float32Array,
  codes: Uint8Array,
): void {
  if (cuts.length > MAX_VALUE_BINS - 1) {
    throw new ModelInputError(
      `Cannot bin feature ${feature} as it has more than ${
        MAX_VALUE_BINS - 1
      } cuts: current count is ${cuts.length}`,
    );
  }
  const column = feature * rows;
  for (let r = 0; r < rows; r++) {
    codes[column + r] = binOf(cuts, features[r * featureCount + feature]);
  }
}

/** The bin of one value: the number of cuts at or below it, or MISSING_BIN for NaN. */
export function binOf(cuts: Float32Array, value: number): number {
  if (value !== value) return MISSING_BIN;
  let low = 0;
  let high = cuts.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (cuts[middle] <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}
