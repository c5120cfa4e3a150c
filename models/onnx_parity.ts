// The parity check between the exported ONNX model and the trainer: onnxruntime's fraud
// probabilities against predictBatch's on the same rows (an asset check asks for <= 1e-5).
import * as ort from "onnxruntime-node";
import { ModelInputError } from "./model_errors.ts";
import { ONNX_INPUT, ONNX_PROBABILITIES_OUTPUT } from "./onnx_export.ts";
import type { TreeModel } from "./tree_model.ts";
import { predictBatch } from "./tree_predict.ts";

/** How far onnxruntime's probabilities are from the trainer's, over every row compared. */
export interface OnnxParity {
  readonly maxAbsDiff: number;
  readonly rows: number;
  /** The row with the largest difference; -1 when no row was compared. */
  readonly worstRow: number;
}

/** Rows per onnxruntime call, so a month of rows does not make one huge output tensor. */
const BATCH_ROWS = 65_536;

/** Scores `rows` rows (row-major float32) with both and returns the largest difference. */
export async function onnxParity(
  model: TreeModel,
  bytes: Uint8Array,
  features: Float32Array,
  rows: number,
): Promise<OnnxParity> {
  const width = model.featureNames.length;
  if (!Number.isInteger(rows) || rows < 0 || features.length < rows * width) {
    throw new ModelInputError(
      `Cannot check ONNX parity as 'features' must hold rows x ${width} values for rows = ${rows}: current length is ${features.length}`,
    );
  }
  const expected = predictBatch(model, features, rows);
  const session = await ort.InferenceSession.create(bytes);
  try {
    let maxAbsDiff = 0;
    let worstRow = rows > 0 ? 0 : -1;
    for (let start = 0; start < rows; start += BATCH_ROWS) {
      const count = Math.min(BATCH_ROWS, rows - start);
      const input = new ort.Tensor(
        "float32",
        features.subarray(start * width, (start + count) * width),
        [count, width],
      );
      const output = await session.run({ [ONNX_INPUT]: input });
      const probabilities = output[ONNX_PROBABILITIES_OUTPUT].data as Float32Array;
      for (let r = 0; r < count; r++) {
        const diff = Math.abs(probabilities[2 * r + 1] - expected[start + r]);
        // NaN counts as the worst difference, so a broken export can never pass.
        if (!(diff <= maxAbsDiff)) {
          maxAbsDiff = diff;
          worstRow = start + r;
        }
      }
    }
    return { maxAbsDiff, rows, worstRow };
  } finally {
    await session.release();
  }
}
