// The risk level of a fraud probability, relative to the model's own threshold so it moves
// with each model: high is exactly is_fraud; medium is the band just below it worth a look.
import type { RiskLevel } from "./api_schemas.ts";

/** high: p >= threshold; medium: threshold / 2 <= p < threshold; low: below that. */
export function riskLevel(probability: number, threshold: number): RiskLevel {
  if (probability >= threshold) return "high";
  if (probability >= threshold / 2) return "medium";
  return "low";
}
