// The parity check between the exported ONNX model and the trainer: onnxruntime's fraud
// probabilities against predictBatch's on the same rows (an asset check asks for <= 1e-5).
import { ModelInputError } from "./model_errors.ts";
import { scoreWithOnnx } from "./onnx_batch_scorer.ts";
import type { TreeModel } from "./tree_model.ts";
import { predictBatch } from "./tree_predict.ts";

/** How far onnxruntime's probabilities are from the trainer's, over every row compared. */
export interface OnnxParity {
  readonly maxAbsDiff: number;
  readonly rows: number;
  /** The row with the largest difference; -1 when no row was compared. */
  readonly worstRow: number;
}

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
  const actual = await scoreWithOnnx(bytes, width, features, rows);
  let maxAbsDiff = 0;
  let worstRow = rows > 0 ? 0 : -1;
  for (let r = 0; r < rows; r++) {
    const diff = Math.abs(actual[r] - expected[r]);
    // NaN counts as the worst difference, so a broken export can never pass.
    if (!(diff <= maxAbsDiff)) {
      maxAbsDiff = diff;
      worstRow = r;
    }
  }
  return { maxAbsDiff, rows, worstRow };
}
