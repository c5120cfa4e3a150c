// Model quality figures on a validation day: ROC-AUC, PR-AUC, log loss, Brier score, the
// threshold that reaches a precision, precision and recall at it, the confusion matrix and the
// feature importance by gain. A row is flagged (predicted positive) when score >= threshold.
import { ModelInputError } from "./model_errors.ts";
import type { TreeModel } from "./tree_model.ts";

/** Scores and 0/1 labels of the same rows. */
type Scores = ArrayLike<number>;
type Labels = ArrayLike<number>;

function checkPair(name: string, scores: Scores, labels: Labels): void {
  if (scores.length !== labels.length) {
    throw new ModelInputError(
      `Cannot compute ${name} as scores and labels must have the same length: current lengths are ${scores.length} and ${labels.length}`,
    );
  }
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i])) {
      throw new ModelInputError(
        `Cannot compute ${name} as every score must be a number: row ${i} is NaN`,
      );
    }
  }
}

/**
 * ROC-AUC: the chance that a random positive scores above a random negative, a tie counting
 * one half. NaN when one class is absent, as the figure is then undefined.
 */
export function rocAuc(scores: Scores, labels: Labels): number {
  checkPair("ROC-AUC", scores, labels);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) positives++;
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) return NaN;
  const positive = new Float64Array(positives);
  const negative = new Float64Array(negatives);
  let p = 0;
  let n = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === 1) positive[p++] = scores[i];
    else negative[n++] = scores[i];
  }
  positive.sort();
  negative.sort();
  // For each positive (ascending): negatives strictly below it, and those equal to it.
  let below = 0;
  let atOrBelow = 0;
  let wins = 0;
  for (let i = 0; i < positives; i++) {
    const score = positive[i];
    while (below < negatives && negative[below] < score) below++;
    if (atOrBelow < below) atOrBelow = below;
    while (atOrBelow < negatives && negative[atOrBelow] <= score) atOrBelow++;
    wins += below + (atOrBelow - below) / 2;
  }
  return wins / (positives * negatives);
}

/** Row indexes by score, highest first (ties in row order). */
function byScoreDescending(scores: Scores): Uint32Array {
  const order = new Uint32Array(scores.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => scores[b] - scores[a] || a - b);
}

/** One point per distinct score, highest first: rows flagged at that threshold and how many hit. */
interface ThresholdPoint {
  readonly threshold: number;
  readonly truePositives: number;
  readonly falsePositives: number;
}

function thresholdPoints(scores: Scores, labels: Labels): ThresholdPoint[] {
  const order = byScoreDescending(scores);
  const points: ThresholdPoint[] = [];
  let truePositives = 0;
  let falsePositives = 0;
  for (let k = 0; k < order.length; k++) {
    const row = order[k];
    if (labels[row] === 1) truePositives++;
    else falsePositives++;
    const next = k + 1 < order.length ? scores[order[k + 1]] : undefined;
    if (next !== scores[row]) {
      points.push({ threshold: scores[row], truePositives, falsePositives });
    }
  }
  return points;
}

/**
 * PR-AUC as average precision: the precision at each distinct score, weighted by the recall it
 * adds (tied scores form one step). NaN without positives.
 */
export function prAuc(scores: Scores, labels: Labels): number {
  checkPair("PR-AUC", scores, labels);
  const points = thresholdPoints(scores, labels);
  const positives = points.length === 0 ? 0 : points[points.length - 1].truePositives;
  if (positives === 0) return NaN;
  let previousRecall = 0;
  let area = 0;
  for (const point of points) {
    const recall = point.truePositives / positives;
    const precision = point.truePositives / (point.truePositives + point.falsePositives);
    area += (recall - previousRecall) * precision;
    previousRecall = recall;
  }
  return area;
}

/** Probabilities are clipped this far from 0 and 1, so one certain mistake is not infinite. */
const PROBABILITY_EPSILON = 1e-15;

/** Mean binary log loss of probabilities (weighted when weights are given). */
export function logLoss(
  probabilities: Scores,
  labels: Labels,
  weights?: ArrayLike<number>,
): number {
  checkPair("log loss", probabilities, labels);
  let total = 0;
  let weightSum = 0;
  for (let i = 0; i < labels.length; i++) {
    const weight = weights === undefined ? 1 : weights[i];
    const p = Math.min(Math.max(probabilities[i], PROBABILITY_EPSILON), 1 - PROBABILITY_EPSILON);
    total -= weight * (labels[i] === 1 ? Math.log(p) : Math.log(1 - p));
    weightSum += weight;
  }
  return total / weightSum;
}

/**
 * Mean binary log loss from raw margins (log-odds), computed without forming probabilities
 * so large margins stay exact: log(1 + e^-|m|) + max(m, 0) - y m.
 */
export function marginLogLoss(
  margins: ArrayLike<number>,
  labels: Labels,
  weights?: ArrayLike<number>,
): number {
  let total = 0;
  let weightSum = 0;
  for (let i = 0; i < labels.length; i++) {
    const m = margins[i];
    const weight = weights === undefined ? 1 : weights[i];
    total += weight * (Math.log1p(Math.exp(-Math.abs(m))) + (m > 0 ? m : 0) - labels[i] * m);
    weightSum += weight;
  }
  return total / weightSum;
}

/** Mean squared difference between probability and label. */
export function brierScore(probabilities: Scores, labels: Labels): number {
  checkPair("the Brier score", probabilities, labels);
  let total = 0;
  for (let i = 0; i < labels.length; i++) total += (probabilities[i] - labels[i]) ** 2;
  return total / labels.length;
}

/** Counts of flagged (score >= threshold) and unflagged rows by label. */
export interface ConfusionMatrix {
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly trueNegatives: number;
  readonly falseNegatives: number;
}

export function confusionMatrix(
  scores: Scores,
  labels: Labels,
  threshold: number,
): ConfusionMatrix {
  checkPair("a confusion matrix", scores, labels);
  let truePositives = 0;
  let falsePositives = 0;
  let trueNegatives = 0;
  let falseNegatives = 0;
  for (let i = 0; i < labels.length; i++) {
    const flagged = scores[i] >= threshold;
    if (labels[i] === 1) flagged ? truePositives++ : falseNegatives++;
    else flagged ? falsePositives++ : trueNegatives++;
  }
  return { truePositives, falsePositives, trueNegatives, falseNegatives };
}

/**
 * Precision and recall when rows scoring >= threshold are flagged. Precision is 0 when nothing
 * is flagged and recall is 0 without positives: a threshold that finds nothing earns nothing.
 */
export function precisionRecallAt(
  scores: Scores,
  labels: Labels,
  threshold: number,
): { precision: number; recall: number } {
  const matrix = confusionMatrix(scores, labels, threshold);
  const flagged = matrix.truePositives + matrix.falsePositives;
  const positives = matrix.truePositives + matrix.falseNegatives;
  return {
    precision: flagged === 0 ? 0 : matrix.truePositives / flagged,
    recall: positives === 0 ? 0 : matrix.truePositives / positives,
  };
}

/** The chosen decision threshold and what it achieves on the rows it was chosen on. */
export interface PrecisionThreshold {
  readonly threshold: number;
  readonly precision: number;
  readonly recall: number;
  /** False when no threshold reaches the target precision (see thresholdForPrecision). */
  readonly reached: boolean;
}

/**
 * The lowest threshold (among the scores) whose precision is >= target: the most recall the
 * precision allows. When none reaches the target, the threshold with the best precision (the
 * highest of equals, flagging the fewest rows) with `reached: false`, so the precision gate
 * fails on a real figure instead of the choice being silently skipped.
 */
export function thresholdForPrecision(
  scores: Scores,
  labels: Labels,
  target: number,
): PrecisionThreshold {
  checkPair("a threshold", scores, labels);
  if (scores.length === 0) {
    throw new ModelInputError(
      "Cannot choose a threshold as there are no scored rows: validate on a day with orders",
    );
  }
  const points = thresholdPoints(scores, labels);
  const positives = points[points.length - 1].truePositives;
  const at = (point: ThresholdPoint, reached: boolean): PrecisionThreshold => ({
    threshold: point.threshold,
    precision: point.truePositives / (point.truePositives + point.falsePositives),
    recall: positives === 0 ? 0 : point.truePositives / positives,
    reached,
  });
  let lowest: ThresholdPoint | undefined;
  let best = points[0];
  for (const point of points) {
    const precision = point.truePositives / (point.truePositives + point.falsePositives);
    if (precision >= target) lowest = point;
    if (precision > best.truePositives / (best.truePositives + best.falsePositives)) best = point;
  }
  return lowest !== undefined ? at(lowest, true) : at(best, false);
}

/** A feature's share of the model's total split gain. */
export interface FeatureImportance {
  readonly feature: string;
  readonly gain: number;
  /** gain / total gain of every split; 0 for every feature of a model without splits. */
  readonly importance: number;
}

/** Feature importance by total gain, highest first (ties in feature order), every feature. */
export function featureImportance(model: TreeModel): FeatureImportance[] {
  const gains = new Float64Array(model.featureNames.length);
  for (const tree of model.trees) {
    for (let n = 0; n < tree.feature.length; n++) {
      if (tree.feature[n] >= 0) gains[tree.feature[n]] += tree.gain[n];
    }
  }
  const total = gains.reduce((sum, gain) => sum + gain, 0);
  return model.featureNames
    .map((feature, f) => ({
      feature,
      gain: gains[f],
      importance: total > 0 ? gains[f] / total : 0,
    }))
    .sort((a, b) => b.gain - a.gain);
}
