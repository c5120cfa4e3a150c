// The trainer's hyperparameters, with XGBoost's meanings (names in comments), their defaults
// and one check that names the bad value and its allowed range.
import { ModelInputError } from "./model_errors.ts";

export interface GbdtParams {
  /** Boosting rounds, at most (XGBoost num_boost_round). */
  readonly rounds: number;
  /** Deepest split level; a tree has at most 2^maxDepth leaves (max_depth). */
  readonly maxDepth: number;
  /** Shrinkage of every tree's outputs (eta). */
  readonly learningRate: number;
  /** L2 regularization of leaf values (lambda). */
  readonly lambda: number;
  /** Minimum split gain, in XGBoost's scale (gamma, min_split_loss). */
  readonly gamma: number;
  /** Minimum sum of hessians in each child (min_child_weight). */
  readonly minChildWeight: number;
  /** Chance of each row to be in a tree's sample, drawn per tree (subsample). */
  readonly subsample: number;
  /** Share of features each tree may split on (colsample_bytree). */
  readonly colsampleByTree: number;
  /** Weight of every positive row, for class imbalance (scale_pos_weight). */
  readonly scalePosWeight: number;
  /** Bins per feature including the missing code, at most 256 (max_bin). */
  readonly maxBins: number;
  /** Stop after this many rounds without a lower validation loss; 0 never stops early. */
  readonly earlyStoppingRounds: number;
  /** Seed of row and column sampling. */
  readonly seed: number;
  /** The model's decision threshold is the lowest reaching this precision on validation. */
  readonly thresholdPrecision: number;
  /** Threads building histograms (nthread); any count gives the same model. */
  readonly threads: number;
  /** Names of the features in input order; the contract's when there are 25 features. */
  readonly featureNames?: readonly string[];
}

export const DEFAULT_GBDT_PARAMS: GbdtParams = {
  rounds: 200,
  maxDepth: 6,
  learningRate: 0.1,
  lambda: 1,
  gamma: 0,
  minChildWeight: 1,
  subsample: 1,
  colsampleByTree: 1,
  scalePosWeight: 1,
  maxBins: 256,
  earlyStoppingRounds: 20,
  seed: 42,
  thresholdPrecision: 0.9,
  threads: Math.max(1, Math.min(2, navigator.hardwareConcurrency ?? 1)),
};

interface Range {
  readonly min: number;
  readonly max: number;
  readonly integer?: boolean;
  /** The lower bound itself is not allowed. */
  readonly aboveMin?: boolean;
}

const RANGES: Readonly<Record<Exclude<keyof GbdtParams, "featureNames">, Range>> = {
  rounds: { min: 1, max: 100_000, integer: true },
  // Each level's histograms are kept until the next one's are built: 2^(maxDepth - 1) at most.
  maxDepth: { min: 1, max: 12, integer: true },
  learningRate: { min: 0, max: 1, aboveMin: true },
  lambda: { min: 0, max: Number.MAX_VALUE },
  gamma: { min: 0, max: Number.MAX_VALUE },
  minChildWeight: { min: 0, max: Number.MAX_VALUE },
  subsample: { min: 0, max: 1, aboveMin: true },
  colsampleByTree: { min: 0, max: 1, aboveMin: true },
  scalePosWeight: { min: 0, max: Number.MAX_VALUE, aboveMin: true },
  maxBins: { min: 3, max: 256, integer: true },
  earlyStoppingRounds: { min: 0, max: 100_000, integer: true },
  seed: { min: 0, max: 0xffffffff, integer: true },
  thresholdPrecision: { min: 0, max: 1, aboveMin: true },
  threads: { min: 1, max: 64, integer: true },
};

/** The defaults overridden by `overrides`, every value checked against its range. */
export function resolveGbdtParams(overrides: Partial<GbdtParams> = {}): GbdtParams {
  const params = { ...DEFAULT_GBDT_PARAMS, ...overrides };
  for (const [name, range] of Object.entries(RANGES)) {
    const value = params[name as keyof typeof RANGES];
    const low = range.aboveMin ? value > range.min : value >= range.min;
    const valid = typeof value === "number" && low && value <= range.max &&
      (!range.integer || Number.isInteger(value));
    if (!valid) {
      const kind = range.integer ? "an integer" : "a number";
      const lower = range.aboveMin ? `above ${range.min}` : `from ${range.min}`;
      const upper = range.max === Number.MAX_VALUE ? "" : ` to ${range.max}`;
      throw new ModelInputError(
        `Cannot train as '${name}' must be ${kind} ${lower}${upper}: current value is ${value}`,
      );
    }
  }
  return params;
}
