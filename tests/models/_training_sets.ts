// Seeded small training sets with a known answer: separable, XOR, pure noise, missing values
// that carry the label, and a noisy one that overfits.
import { SeededRandom } from "../../models/seeded_random.ts";
import { createTrainingData, type TrainingData } from "../../models/training_data.ts";

/** Builds `rows` rows of `width` features from a row function writing into `x`. */
function build(
  rows: number,
  width: number,
  seed: number,
  row: (x: Float32Array, random: SeededRandom) => number,
): TrainingData {
  const random = new SeededRandom(seed);
  const features = new Float32Array(rows * width);
  const labels = new Uint8Array(rows);
  const x = new Float32Array(width);
  for (let i = 0; i < rows; i++) {
    labels[i] = row(x, random);
    features.set(x, i * width);
  }
  return createTrainingData({ features, labels, featureCount: width });
}

/** y = x0 > 0.5, with a useless second feature. */
export function separable(rows: number, seed: number): TrainingData {
  return build(rows, 2, seed, (x, random) => {
    x[0] = random.nextFloat();
    x[1] = random.nextFloat();
    return x[0] > 0.5 ? 1 : 0;
  });
}

/**
 * y = a XOR b for a, b in {0, 1} with P(a = 1) = 0.5 and P(b = 1) = 0.4: a alone is slightly
 * informative (P(y | a) = 0.6 or 0.4), so a greedy root split exists, b alone is not. The best
 * additive model (stumps) ranks cell (1, 0) first and (0, 1) last: AUC 0.3 x 0.5 / 0.25 = 0.6.
 */
export function xor(rows: number, seed: number): TrainingData {
  return build(rows, 2, seed, (x, random) => {
    x[0] = random.nextFloat() < 0.5 ? 1 : 0;
    x[1] = random.nextFloat() < 0.4 ? 1 : 0;
    return x[0] !== x[1] ? 1 : 0;
  });
}

/** Five uniform features and a label that is a fair coin, independent of them. */
export function noise(rows: number, seed: number): TrainingData {
  return build(rows, 5, seed, (x, random) => {
    for (let f = 0; f < 5; f++) x[f] = random.nextFloat();
    return random.nextFloat() < 0.5 ? 1 : 0;
  });
}

/**
 * x0 is missing exactly for the rows whose label is `missingLabel` (and present, uniform, for
 * the others); x1 is noise.
 */
export function missingCarriesLabel(rows: number, seed: number, missingLabel: 0 | 1) {
  return build(rows, 2, seed, (x, random) => {
    const label = random.nextFloat() < 0.3 ? 1 : 0;
    x[0] = label === missingLabel ? NaN : random.nextFloat();
    x[1] = random.nextFloat();
    return label;
  });
}

/** A weak signal in x0 under heavy label noise: more trees soon fit the noise. */
export function weakSignal(rows: number, seed: number): TrainingData {
  return build(rows, 4, seed, (x, random) => {
    for (let f = 0; f < 4; f++) x[f] = random.nextFloat();
    return random.nextFloat() < 0.4 + 0.2 * x[0] ? 1 : 0;
  });
}

/** Fraud-like rows: counts, flags, a skewed amount and missing values; about 10% positive. */
export function fraudLike(rows: number, seed: number): TrainingData {
  return build(rows, 6, seed, (x, random) => {
    const fraud = random.nextFloat() < 0.1;
    const poisson = (mean: number) => {
      let k = 0;
      let p = random.nextFloat();
      const limit = Math.exp(-mean);
      while (p > limit) {
        k++;
        p *= random.nextFloat();
      }
      return k;
    };
    x[0] = poisson(fraud ? 2 : 0.3);
    x[1] = Math.round(Math.exp((fraud ? 4.5 : 3.5) + random.nextFloat() * 1.5) * 100) / 100;
    x[2] = random.nextFloat() < (fraud ? 0.4 : 0.05) ? 1 : 0;
    x[3] = random.nextFloat() < 0.1 ? NaN : random.nextFloat() * (fraud ? 1 : 0.7);
    x[4] = Math.floor(random.nextFloat() * 24);
    x[5] = random.nextFloat() < 0.05 ? NaN : poisson(fraud ? 1.5 : 0.5);
    // 1% label noise keeps it from being perfectly separable.
    return random.nextFloat() < 0.01 ? (fraud ? 0 : 1) : fraud ? 1 : 0;
  });
}
