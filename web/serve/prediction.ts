// One row's answer from the serving graph's output: the probability from the margin, the
// decision and risk level from the model's threshold, and the top contributions as reasons.
import { type Prediction, type Reason, REASON_COUNT, type RiskLevel } from "./api_schemas.ts";
import { riskLevel } from "./risk_level.ts";
import type { Scores } from "./onnx_scorer.ts";
import { sigmoid } from "./serving_graph.ts";

export interface RowPrediction {
  readonly fraud_probability: number;
  readonly is_fraud: boolean;
  readonly risk_level: RiskLevel;
  readonly reasons: Reason[];
}

/**
 * The prediction of output row `row`. `values` is the request row as sent, so a reason echoes
 * the caller's number rather than its float32 rounding.
 */
export function rowPrediction(
  output: Scores,
  row: number,
  threshold: number,
  names: readonly string[],
  values: Readonly<Record<string, unknown>>,
): RowPrediction {
  const { scores, width } = output;
  const base = row * width;
  const features = width - 1;
  const probability = sigmoid(scores[base + features]);
  return {
    fraud_probability: probability,
    is_fraud: probability >= threshold,
    risk_level: riskLevel(probability, threshold),
    reasons: topReasons(scores, base, features, names, values),
  };
}

/**
 * The response body of one prediction in the documented field order (index first for a batch
 * row), built field by field: a batch builds thousands, so no object spreads.
 */
export function predictionBody(
  prediction: RowPrediction,
  modelVersion: string,
  latencyMs: number,
  transactionId: string | undefined,
  index?: number,
): Prediction & { index?: number } {
  const body: Record<string, unknown> = {};
  if (index !== undefined) body.index = index;
  if (transactionId !== undefined) body.transaction_id = transactionId;
  body.fraud_probability = prediction.fraud_probability;
  body.is_fraud = prediction.is_fraud;
  body.risk_level = prediction.risk_level;
  body.reasons = prediction.reasons;
  body.model_version = modelVersion;
  body.latency_ms = latencyMs;
  return body as Prediction & { index?: number };
}

/**
 * Writes into `top` the features of the REASON_COUNT largest |contribution|s of the output row
 * at `base`, largest first, ties in feature order, zeros left out; returns how many there are.
 * Three running slots instead of a sort or splice: every row of a batch goes through here.
 */
export function topFeatures(
  scores: Float32Array,
  base: number,
  features: number,
  top: Int32Array,
): number {
  let first = -1, second = -1, third = -1;
  let a = 0, b = 0, c = 0;
  for (let feature = 0; feature < features; feature++) {
    const size = Math.abs(scores[base + feature]);
    // Strictly larger to move ahead, so an equal size keeps the earlier feature first.
    if (size <= c) continue;
    if (size > a) {
      third = second, c = b;
      second = first, b = a;
      first = feature, a = size;
    } else if (size > b) {
      third = second, c = b;
      second = feature, b = size;
    } else {
      third = feature, c = size;
    }
  }
  top[0] = first;
  top[1] = second;
  top[2] = third;
  return first < 0 ? 0 : second < 0 ? 1 : third < 0 ? 2 : 3;
}

/** Log-odds contributions as answered: float32 sums carry about 7 significant digits. */
export function roundedContribution(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

const topScratch = new Int32Array(REASON_COUNT);

function topReasons(
  scores: Float32Array,
  base: number,
  features: number,
  names: readonly string[],
  values: Readonly<Record<string, unknown>>,
): Reason[] {
  const count = topFeatures(scores, base, features, topScratch);
  const reasons: Reason[] = [];
  for (let i = 0; i < count; i++) {
    const feature = topScratch[i];
    reasons.push({
      feature: names[feature],
      value: values[names[feature]] as number,
      contribution: roundedContribution(scores[base + feature]),
    });
  }
  return reasons;
}
