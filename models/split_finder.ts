// The best split of one node from its histogram: for each feature and each boundary between
// bins, the second-order gain with missing values sent left and then right (XGBoost's
// sparsity-aware split), subject to min child weight and min split gain.
import { MISSING_SLOT } from "./histogram.ts";

/** Gains at or below this are rounding noise, not a split (XGBoost's kRtEps). */
const MIN_GAIN = 1e-6;

/** The best split found; `gain` is -Infinity when the node has none. */
export interface SplitCandidate {
  gain: number;
  feature: number;
  /** Bins 0..bin go left; the threshold is the cut after `bin`. */
  bin: number;
  missingLeft: boolean;
  leftGrad: number;
  leftHess: number;
}

export function emptyCandidate(): SplitCandidate {
  return { gain: -Infinity, feature: -1, bin: -1, missingLeft: false, leftGrad: 0, leftHess: 0 };
}

/** Split rules shared by every node of a tree. */
export interface SplitRules {
  readonly lambda: number;
  readonly gamma: number;
  readonly minChildWeight: number;
}

/**
 * Writes the best split of a node with gradient sum `grad` and hessian sum `hess` over
 * `features[from..to)` into `best`.
 * The gain is XGBoost's (without the factor 1/2), so gamma means what it means there. When the
 * node saw no missing value of the chosen feature, missing values go to the heavier child.
 */
export function findBestSplit(
  hist: Float64Array,
  grad: number,
  hess: number,
  features: Int32Array,
  from: number,
  to: number,
  valueBins: Uint16Array,
  rules: SplitRules,
  best: SplitCandidate,
): void {
  best.gain = -Infinity;
  best.feature = -1;
  const { lambda, minChildWeight } = rules;
  const parentScore = (grad * grad) / (hess + lambda);
  const floor = Math.max(MIN_GAIN, rules.gamma);
  let bestGain = floor;
  for (let k = from; k < to; k++) {
    const feature = features[k];
    const slots = feature << 9;
    const missingGrad = hist[slots + MISSING_SLOT];
    const missingHess = hist[slots + MISSING_SLOT + 1];
    const hasMissing = missingHess > 0;
    // With missing values, "every value left, missing right" is a candidate too.
    const lastBin = valueBins[feature] - (hasMissing ? 1 : 2);
    let leftGrad = 0;
    let leftHess = 0;
    for (let bin = 0; bin <= lastBin; bin++) {
      const binHess = hist[slots + (bin << 1) + 1];
      if (binHess === 0) continue;
      leftGrad += hist[slots + (bin << 1)];
      leftHess += binHess;
      let rightGrad = grad - leftGrad;
      let rightHess = hess - leftHess;
      if (leftHess >= minChildWeight && rightHess >= minChildWeight && rightHess > 0) {
        const gain = (leftGrad * leftGrad) / (leftHess + lambda) +
          (rightGrad * rightGrad) / (rightHess + lambda) - parentScore;
        if (gain > bestGain) {
          bestGain = gain;
          best.feature = feature;
          best.bin = bin;
          best.missingLeft = false;
          best.leftGrad = leftGrad;
          best.leftHess = leftHess;
        }
      }
      if (hasMissing) {
        const withMissingGrad = leftGrad + missingGrad;
        const withMissingHess = leftHess + missingHess;
        rightGrad = grad - withMissingGrad;
        rightHess = hess - withMissingHess;
        if (withMissingHess >= minChildWeight && rightHess >= minChildWeight && rightHess > 0) {
          const gain = (withMissingGrad * withMissingGrad) / (withMissingHess + lambda) +
            (rightGrad * rightGrad) / (rightHess + lambda) - parentScore;
          if (gain > bestGain) {
            bestGain = gain;
            best.feature = feature;
            best.bin = bin;
            best.missingLeft = true;
            best.leftGrad = withMissingGrad;
            best.leftHess = withMissingHess;
          }
        }
      }
    }
    if (best.feature === feature && !hasMissing) {
      // No missing value reached this node: unseen ones follow the heavier side.
      best.missingLeft = best.leftHess >= hess - best.leftHess;
    }
  }
  if (best.feature >= 0) best.gain = bestGain;
}
