// Feature drift by the population stability index: each feature's distribution over the model's
// training window is kept with the model (decile bins and their shares), and a scored day is
// binned the same way; PSI = sum over bins of (actual - expected) x ln(actual / expected).
import type { TrainingData } from "./training_data.ts";

/** One feature's training distribution: upper-inclusive bin edges and the share of each bin. */
export interface FeatureProfile {
  readonly feature: string;
  /** Bin i holds values <= edges[i] (and above edges[i - 1]); the last bin holds the rest. */
  readonly edges: readonly number[];
  /** Share of the non-missing training rows in each of the edges.length + 1 bins. */
  readonly shares: readonly number[];
  /** Share of training rows with the value missing (NaN). */
  readonly missing: number;
}

/** A feature's PSI against its profile. */
export interface FeatureDrift {
  readonly feature: string;
  readonly psi: number;
}

/** PSI above this is a shift worth acting on (the usual rule of thumb: 0.1 watch, 0.2 act). */
export const PSI_ALERT = 0.2;

/** Proportions are floored at this, so an empty bin gives a large but finite term. */
const SHARE_FLOOR = 1e-4;

const QUANTILES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/** Each feature's decile profile over `data` (a model's training rows). */
export function featureProfiles(
  data: TrainingData,
  featureNames: readonly string[],
): FeatureProfile[] {
  return featureNames.map((feature, f) => {
    const values = column(data, f);
    const present = values.filter((v) => !Number.isNaN(v)).sort();
    // Distinct deciles: a 0/1 flag gets one edge (0), so its two values keep two bins.
    const edges = [...new Set(QUANTILES.map((q) => present[Math.floor(q * (present.length - 1))]))]
      .filter((edge) => edge !== undefined);
    return {
      feature,
      edges,
      shares: binShares(present, edges),
      missing: data.rows === 0 ? 0 : (data.rows - present.length) / data.rows,
    };
  });
}

/** Each profiled feature's PSI on `data` (the day scored), in profile order. */
export function populationStability(
  profiles: readonly FeatureProfile[],
  data: TrainingData,
): FeatureDrift[] {
  return profiles.map((profile, f) => {
    const values = column(data, f);
    const present = values.filter((v) => !Number.isNaN(v));
    const actual = binShares(present, profile.edges);
    const actualMissing = data.rows === 0 ? 0 : (data.rows - present.length) / data.rows;
    // Bin shares are of the present rows; weigh them by the present share so every row counts once.
    let psi = term(actualMissing, profile.missing);
    for (let b = 0; b < actual.length; b++) {
      psi += term(actual[b] * (1 - actualMissing), profile.shares[b] * (1 - profile.missing));
    }
    return { feature: profile.feature, psi };
  });
}

function term(actual: number, expected: number): number {
  if (actual === 0 && expected === 0) return 0;
  const a = Math.max(actual, SHARE_FLOOR);
  const e = Math.max(expected, SHARE_FLOOR);
  return (a - e) * Math.log(a / e);
}

function column(data: TrainingData, f: number): Float64Array {
  const values = new Float64Array(data.rows);
  for (let r = 0; r < data.rows; r++) values[r] = data.features[r * data.featureCount + f];
  return values;
}

function binShares(present: Float64Array, edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const value of present) {
    let bin = 0;
    while (bin < edges.length && value > edges[bin]) bin++;
    counts[bin]++;
  }
  return counts.map((n) => (present.length === 0 ? 0 : n / present.length));
}
