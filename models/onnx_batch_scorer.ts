// Batch scoring through onnxruntime-node: an exported model's fraud probabilities for row-major
// float32 rows, a batch of rows per call so a month of orders never makes one huge tensor.
import * as ort from "onnxruntime-node";
import { ModelInputError } from "./model_errors.ts";
import { ONNX_INPUT, ONNX_PROBABILITIES_OUTPUT } from "./onnx_export.ts";

/** Rows per onnxruntime call. */
export const ONNX_BATCH_ROWS = 65_536;

/** An open ONNX session that scores batches; release() frees it. */
export class OnnxBatchScorer {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly featureCount: number,
  ) {}

  /** Opens the exported model (models/onnx_export.ts) for rows of `featureCount` features. */
  static async open(bytes: Uint8Array, featureCount: number): Promise<OnnxBatchScorer> {
    return new OnnxBatchScorer(await ort.InferenceSession.create(bytes), featureCount);
  }

  /** The fraud probability of each of `rows` rows of `features` ([rows x featureCount]). */
  async score(
    features: Float32Array,
    rows: number,
    batchRows = ONNX_BATCH_ROWS,
  ): Promise<Float32Array> {
    const width = this.featureCount;
    if (!Number.isInteger(rows) || rows < 0 || features.length < rows * width) {
      throw new ModelInputError(
        `Cannot score with ONNX as 'features' must hold rows x ${width} values for rows = ${rows}: current length is ${features.length}`,
      );
    }
    const probabilities = new Float32Array(rows);
    for (let start = 0; start < rows; start += batchRows) {
      const count = Math.min(batchRows, rows - start);
      const input = new ort.Tensor(
        "float32",
        features.subarray(start * width, (start + count) * width),
        [count, width],
      );
      const output = await this.session.run({ [ONNX_INPUT]: input });
      const pairs = output[ONNX_PROBABILITIES_OUTPUT].data as Float32Array;
      for (let r = 0; r < count; r++) probabilities[start + r] = pairs[2 * r + 1];
    }
    return probabilities;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

/** Opens, scores and releases: the probabilities of `rows` rows under an exported model. */
export async function scoreWithOnnx(
  bytes: Uint8Array,
  featureCount: number,
  features: Float32Array,
  rows: number,
): Promise<Float32Array> {
  const scorer = await OnnxBatchScorer.open(bytes, featureCount);
  try {
    return await scorer.score(features, rows);
  } finally {
    await scorer.release();
  }
}
