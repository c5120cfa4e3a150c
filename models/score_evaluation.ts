// One scorer's figures on a validation day, as a model's materialization keeps them: ROC-AUC,
// PR-AUC, log loss, Brier score, the decision threshold with its precision and recall, and the
// confusion matrix. The same shape serves the model and the rules baseline it is compared with.
import {
  brierScore,
  type ConfusionMatrix,
  confusionMatrix,
  logLoss,
  prAuc,
  precisionRecallAt,
  rocAuc,
  thresholdForPrecision,
} from "./metrics.ts";

export interface ScoreEvaluation {
  readonly rows: number;
  readonly positives: number;
  /** Null when undefined on these rows (a class is absent). */
  readonly rocAuc: number | null;
  readonly prAuc: number | null;
  readonly logLoss: number;
  readonly brier: number;
  /** Rows scoring at or above it are flagged. */
  readonly threshold: number;
  /** Whether the threshold reaches the precision it was chosen for (see thresholdForPrecision). */
  readonly thresholdReached: boolean;
  readonly precision: number;
  readonly recall: number;
  readonly confusion: ConfusionMatrix;
}

/**
 * Evaluates `scores` (probabilities in [0, 1]) against 0/1 `labels`. With `threshold` the
 * scorer's own decision threshold is used (a model's, chosen when it was trained); without,
 * the lowest threshold reaching `targetPrecision` on these rows is chosen, as for the rules.
 */
export function evaluateScores(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  options: { readonly threshold?: number; readonly targetPrecision?: number } = {},
): ScoreEvaluation {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i];
  const chosen = options.threshold === undefined
    ? thresholdForPrecision(scores, labels, options.targetPrecision ?? 0.9)
    : undefined;
  const threshold = options.threshold ?? chosen!.threshold;
  const { precision, recall } = precisionRecallAt(scores, labels, threshold);
  return {
    rows: labels.length,
    positives,
    rocAuc: finiteOrNull(rocAuc(scores, labels)),
    prAuc: finiteOrNull(prAuc(scores, labels)),
    logLoss: logLoss(scores, labels),
    brier: brierScore(scores, labels),
    threshold,
    thresholdReached: chosen?.reached ??
      precision >= (options.targetPrecision ?? 0.9),
    precision,
    recall,
    confusion: confusionMatrix(scores, labels, threshold),
  };
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
