// Runs the serving graph in onnxruntime: a batch is one Float32Array [N, features] and one
// session.run; a single row reuses pooled input tensors, one per request in flight, because
// onnxruntime reads the input when the run starts on a later tick, not when run() is called.
import * as ort from "onnxruntime-node";
import type { TreeModel } from "../../models/tree_model.ts";
import { SERVING_INPUT, SERVING_OUTPUT, servingGraph } from "./serving_graph.ts";

export interface ScorerOptions {
  /** onnxruntime intra-op threads; 1 keeps a served request on the core of its event loop. */
  readonly threads?: number;
}

/**
 * Output rows of `width` float32 values: `features` contributions, then the raw margin.
 * Row r's margin is `scores[r * width + features]`.
 */
export interface Scores {
  readonly scores: Float32Array;
  readonly width: number;
}

export interface Scorer {
  /** Number of input features per row. */
  readonly features: number;
  /** Scores `rows` rows laid out row-major in `input` (length rows x features). */
  scoreRows(input: Float32Array, rows: number): Promise<Scores>;
  /** Scores one row; `values` is copied before this returns, so the caller may reuse it. */
  scoreRow(values: Float32Array): Promise<Scores>;
  /** Frees the native session; no call may be in flight. */
  release(): Promise<void>;
}

/** Thrown when onnxruntime's answer does not have the serving graph's shape. */
export class ScorerError extends Error {
  override readonly name = "ScorerError";
}

interface RowSlot {
  readonly values: Float32Array;
  readonly tensor: ort.Tensor;
}

export class OnnxScorer implements Scorer {
  readonly features: number;
  readonly #session: ort.InferenceSession;
  readonly #width: number;
  readonly #free: RowSlot[] = [];

  private constructor(session: ort.InferenceSession, features: number) {
    this.#session = session;
    this.features = features;
    this.#width = features + 1;
  }

  /** Builds the model's serving graph and opens a session on it. */
  static async create(model: TreeModel, options: ScorerOptions = {}): Promise<OnnxScorer> {
    const threads = options.threads ?? 1;
    const session = await ort.InferenceSession.create(servingGraph(model), {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: "sequential",
      graphOptimizationLevel: "all",
    });
    return new OnnxScorer(session, model.featureNames.length);
  }

  async scoreRows(input: Float32Array, rows: number): Promise<Scores> {
    if (input.length < rows * this.features) {
      throw new ScorerError(
        `Cannot score ${rows} rows as the input holds ${input.length} values: ` +
          `${rows * this.features} are needed`,
      );
    }
    const values = input.length === rows * this.features
      ? input
      : input.subarray(0, rows * this.features);
    const tensor = new ort.Tensor("float32", values, [rows, this.features]);
    return await this.#run(tensor, rows);
  }

  async scoreRow(values: Float32Array): Promise<Scores> {
    const slot = this.#free.pop() ?? this.#slot();
    slot.values.set(values);
    try {
      return await this.#run(slot.tensor, 1);
    } finally {
      this.#free.push(slot);
    }
  }

  async release(): Promise<void> {
    await this.#session.release();
  }

  #slot(): RowSlot {
    const values = new Float32Array(this.features);
    return { values, tensor: new ort.Tensor("float32", values, [1, this.features]) };
  }

  async #run(tensor: ort.Tensor, rows: number): Promise<Scores> {
    const output = await this.#session.run({ [SERVING_INPUT]: tensor });
    const scores = output[SERVING_OUTPUT]?.data;
    if (!(scores instanceof Float32Array) || scores.length !== rows * this.#width) {
      throw new ScorerError(
        `Cannot read the scores as '${SERVING_OUTPUT}' must be float32 [${rows}, ${this.#width}]: ` +
          `current length is ${scores?.length}`,
      );
    }
    return { scores, width: this.#width };
  }
}
