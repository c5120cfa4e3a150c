// Before a model is served, its exported ONNX (the artifact the trainer checked and promoted)
// and the serving graph built from its TreeModel must give the same probabilities: this checks
// them on probe rows placed on and around the trees' own thresholds.
import * as ort from "onnxruntime-node";
import type { TreeModel } from "../../models/tree_model.ts";
import type { Scorer } from "./onnx_scorer.ts";
import { sigmoid } from "./serving_graph.ts";

/** The exported graph's output of class probabilities, float32 [N, 2] (column 1: fraud). */
export const PROBABILITIES_OUTPUT = "probabilities";

export const PARITY_TOLERANCE = 1e-5;

export interface ParityReport {
  readonly rows: number;
  readonly maxAbsDiff: number;
}

/** The exported ONNX and the TreeModel disagree, or the ONNX cannot be run. */
export class ChampionMismatchError extends Error {
  override readonly name = "ChampionMismatchError";
}

/**
 * Rows whose values sit exactly on, just below and just above the thresholds the trees split
 * on, so every comparison's direction (`x < t` goes left) is exercised. Deterministic.
 */
export function probeRows(model: TreeModel, count = 64): Float32Array {
  const features = model.featureNames.length;
  const candidates: number[][] = Array.from({ length: features }, () => [0]);
  for (const tree of model.trees) {
    tree.feature.forEach((feature, node) => {
      if (feature < 0) return;
      const t = Math.fround(tree.threshold[node]);
      candidates[feature].push(t, nextFloat32(t, -1), nextFloat32(t, 1));
    });
  }
  let state = 0x9e3779b9;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 2 ** 32;
  };
  const rows = new Float32Array(count * features);
  for (let row = 0; row < count; row++) {
    for (let feature = 0; feature < features; feature++) {
      const options = candidates[feature];
      rows[row * features + feature] = options[Math.floor(next() * options.length)];
    }
  }
  return rows;
}

/** Runs the exported ONNX and the scorer on the probe rows; throws when they differ. */
export async function checkChampionOnnx(
  model: TreeModel,
  onnx: Uint8Array,
  scorer: Scorer,
  tolerance = PARITY_TOLERANCE,
): Promise<ParityReport> {
  const features = model.featureNames.length;
  const probes = probeRows(model);
  const rows = probes.length / features;
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(onnx, { intraOpNumThreads: 1 });
  } catch (error) {
    throw new ChampionMismatchError(
      `Cannot open the exported ONNX in onnxruntime: ${(error as Error).message}`,
    );
  }
  try {
    const input = session.inputNames[0];
    const output = await session.run({
      [input]: new ort.Tensor("float32", probes, [rows, features]),
    });
    const probabilities = output[PROBABILITIES_OUTPUT]?.data;
    if (!(probabilities instanceof Float32Array) || probabilities.length !== rows * 2) {
      throw new ChampionMismatchError(
        `Cannot compare the exported ONNX as it must output '${PROBABILITIES_OUTPUT}' float32 ` +
          `[N, 2]: its outputs are ${session.outputNames.join(", ")}`,
      );
    }
    const { scores, width } = await scorer.scoreRows(probes, rows);
    let maxAbsDiff = 0;
    let worst = 0;
    for (let row = 0; row < rows; row++) {
      const served = sigmoid(scores[row * width + features]);
      const diff = Math.abs(served - probabilities[row * 2 + 1]);
      if (!(diff <= maxAbsDiff)) {
        maxAbsDiff = diff;
        worst = row;
      }
    }
    if (!(maxAbsDiff <= tolerance)) {
      throw new ChampionMismatchError(
        `Cannot serve the model as its exported ONNX and its trees disagree: probability ` +
          `differs by ${maxAbsDiff} on probe row ${worst} (tolerance ${tolerance}); ` +
          `re-export the ONNX from this model`,
      );
    }
    return { rows, maxAbsDiff };
  } finally {
    await session.release();
  }
}

/** The float32 next to `value` in `direction` (-1 down, 1 up). */
function nextFloat32(value: number, direction: -1 | 1): number {
  const buffer = new Float32Array([value]);
  const bits = new Int32Array(buffer.buffer);
  if (value === 0) {
    bits[0] = 1;
    return direction * buffer[0];
  }
  bits[0] += (value > 0) === (direction > 0) ? 1 : -1;
  return buffer[0];
}
