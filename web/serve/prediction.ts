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

/** The REASON_COUNT largest |contribution|s, largest first, ties in feature order, zeros out. */
function topReasons(
  scores: Float32Array,
  base: number,
  features: number,
  names: readonly string[],
  values: Readonly<Record<string, unknown>>,
): Reason[] {
  const top: number[] = [];
  for (let feature = 0; feature < features; feature++) {
    const size = Math.abs(scores[base + feature]);
    if (size === 0) continue;
    let at = top.length;
    while (at > 0 && Math.abs(scores[base + top[at - 1]]) < size) at--;
    if (at >= REASON_COUNT) continue;
    top.splice(at, 0, feature);
    if (top.length > REASON_COUNT) top.pop();
  }
  return top.map((feature) => ({
    feature: names[feature],
    value: values[names[feature]] as number,
    // float32 sums carry about 7 significant digits; 1e-6 on the log-odds scale keeps them.
    contribution: Math.round(scores[base + feature] * 1e6) / 1e6,
  }));
}
