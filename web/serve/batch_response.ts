// The body of a batch answer written as one JSON string: the fixed parts of every prediction
// are escaped once per batch and each row appends only its numbers, which costs a fraction of
// building one object per row (and per reason) and handing them all to JSON.stringify.
import type { FieldError } from "./api_schemas.ts";
import type { Scores } from "./onnx_scorer.ts";
import { roundedContribution, topFeatures } from "./prediction.ts";
import { riskLevel } from "./risk_level.ts";
import { sigmoid } from "./serving_graph.ts";

export interface BatchResponseParts {
  /** The request's rows as sent; a reason echoes its row's value. */
  readonly rows: readonly unknown[];
  /** Request index of each scored row, in order; output row k is `scored[k]`. */
  readonly scored: readonly number[];
  readonly transactionIds: readonly (string | undefined)[];
  readonly rejected: ReadonlyMap<number, readonly FieldError[]>;
  /** onnxruntime's output for the scored rows; undefined when none was scored. */
  readonly scores: Scores | undefined;
  readonly threshold: number;
  readonly version: string;
  readonly latencyMs: number;
  readonly names: readonly string[];
  /** Receives each scored row's fraud_probability. */
  readonly probabilities: Float64Array;
}

/**
 * `{model_version, latency_ms, scored, rejected, results}` with the same fields, order and
 * numbers as JSON.stringify of the objects app.ts answers a single prediction with (index
 * first); numbers are written by String(), which is JSON.stringify's formatting for finite ones.
 */
export function batchResponseJson(parts: BatchResponseParts): string {
  const { rows, scored, transactionIds, rejected, scores, threshold, names } = parts;
  const version = JSON.stringify(parts.version);
  const latency = String(parts.latencyMs);
  const tail = `,"model_version":${version},"latency_ms":${latency}}`;
  const reasonHead = names.map((name) => `{"feature":${JSON.stringify(name)},"value":`);
  const top = new Int32Array(3);
  const results: string[] = new Array(rows.length);
  for (const [index, errors] of rejected) {
    results[index] = `{"index":${index},"errors":${JSON.stringify(errors)}}`;
  }
  if (scores !== undefined) {
    const { scores: output, width } = scores;
    const features = width - 1;
    for (let k = 0; k < scored.length; k++) {
      const index = scored[k];
      const base = k * width;
      const probability = sigmoid(output[base + features]);
      parts.probabilities[k] = probability;
      const id = transactionIds[k];
      let text = id === undefined
        ? `{"index":${index},"fraud_probability":${probability}`
        : `{"index":${index},"transaction_id":${
          JSON.stringify(id)
        },"fraud_probability":${probability}`;
      text += probability >= threshold ? `,"is_fraud":true` : `,"is_fraud":false`;
      text += `,"risk_level":"${riskLevel(probability, threshold)}","reasons":[`;
      const count = topFeatures(output, base, features, top);
      const values = rows[index] as Readonly<Record<string, unknown>>;
      for (let r = 0; r < count; r++) {
        const feature = top[r];
        if (r > 0) text += ",";
        text += `${reasonHead[feature]}${values[names[feature]]},"contribution":${
          roundedContribution(output[base + feature])
        }}`;
      }
      results[index] = text + "]" + tail;
    }
  }
  return `{"model_version":${version},"latency_ms":${latency},"scored":${scored.length},` +
    `"rejected":${rejected.size},"results":[${results.join(",")}]}`;
}
