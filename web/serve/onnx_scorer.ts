// Runs the serving graph in onnxruntime: a batch is one Float32Array [N, features] and one
// session.run. Single rows that arrive in the same turn of the event loop are scored together:
// each is copied into the turn's shared input when it arrives, and one run answers them all, so
// concurrent requests share onnxruntime's per-call cost and never share a buffer in flight.
import { setImmediate } from "node:timers";
import * as ort from "onnxruntime-node";
import type { TreeModel } from "../../models/tree_model.ts";
import type { BatchSessions, PooledBatches } from "./batch_messages.ts";
import { SERVING_INPUT, SERVING_OUTPUT, servingGraph } from "./serving_graph.ts";

export interface ScorerOptions {
  /** onnxruntime intra-op threads; 1 keeps a served request on the core of its event loop. */
  readonly threads?: number;
  /** Workers that answer batches on their own sessions of the model (batch_pool.ts). */
  readonly batchPool?: BatchSessions;
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
  /**
   * Scores one row; `values` is copied before this returns, so the caller may reuse it. The
   * answer's `scores` holds that row only.
   */
  scoreRow(values: Float32Array): Promise<Scores>;
  /** The model on a batch pool's workers, when the scorer was created with one. */
  readonly pooled?: PooledBatches;
  /** Frees the native session (and the pool's); no call may be in flight. */
  release(): Promise<void>;
}

/** Thrown when onnxruntime's answer does not have the serving graph's shape. */
export class ScorerError extends Error {
  override readonly name = "ScorerError";
}

/** Rows waiting for the next run, in arrival order. */
interface PendingRows {
  input: Float32Array;
  rows: number;
  readonly waiters: {
    readonly resolve: (scores: Scores) => void;
    readonly reject: (error: unknown) => void;
  }[];
}

/** Rows one coalesced run takes at most; a busier turn starts another run. */
const MAX_COALESCED_ROWS = 256;

export class OnnxScorer implements Scorer {
  readonly features: number;
  readonly #session: ort.InferenceSession;
  readonly #width: number;
  #pending: PendingRows | undefined;
  #runs = 0;
  #pooled: PooledBatches | undefined;

  private constructor(session: ort.InferenceSession, features: number) {
    this.#session = session;
    this.features = features;
    this.#width = features + 1;
  }

  /**
   * Builds the model's serving graph and opens a session on it, and on every worker of
   * `options.batchPool` when given.
   */
  static async create(model: TreeModel, options: ScorerOptions = {}): Promise<OnnxScorer> {
    const graph = servingGraph(model);
    const features = model.featureNames.length;
    const scorer = await OnnxScorer.fromGraph(graph, features, options);
    if (options.batchPool !== undefined) {
      try {
        scorer.#pooled = await options.batchPool.open(graph, features);
      } catch (error) {
        await scorer.release();
        throw error;
      }
    }
    return scorer;
  }

  /** A session on serving graph bytes (servingGraph()) of a model with `features` inputs. */
  static async fromGraph(
    graph: Uint8Array,
    features: number,
    options: ScorerOptions = {},
  ): Promise<OnnxScorer> {
    const session = await ort.InferenceSession.create(graph, {
      intraOpNumThreads: options.threads ?? 1,
      interOpNumThreads: 1,
      executionMode: "sequential",
      graphOptimizationLevel: "all",
    });
    return new OnnxScorer(session, features);
  }

  get pooled(): PooledBatches | undefined {
    return this.#pooled;
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

  scoreRow(values: Float32Array): Promise<Scores> {
    let pending = this.#pending;
    if (pending === undefined || pending.rows === MAX_COALESCED_ROWS) {
      pending = { input: new Float32Array(16 * this.features), rows: 0, waiters: [] };
      this.#pending = pending;
      const batch = pending;
      setImmediate(() => this.#flush(batch));
    }
    if ((pending.rows + 1) * this.features > pending.input.length) {
      const grown = new Float32Array(pending.input.length * 2);
      grown.set(pending.input);
      pending.input = grown;
    }
    pending.input.set(values, pending.rows * this.features);
    pending.rows++;
    return new Promise((resolve, reject) => pending.waiters.push({ resolve, reject }));
  }

  /** onnxruntime runs so far (a coalesced turn of single rows counts once). */
  get runs(): number {
    return this.#runs;
  }

  #flush(pending: PendingRows): void {
    if (this.#pending === pending) this.#pending = undefined;
    const width = this.#width;
    this.scoreRows(pending.input, pending.rows).then(
      ({ scores }) => {
        pending.waiters.forEach((waiter, row) =>
          waiter.resolve({ scores: scores.subarray(row * width, (row + 1) * width), width })
        );
      },
      (error) => {
        for (const waiter of pending.waiters) waiter.reject(error);
      },
    );
  }

  async release(): Promise<void> {
    const pooled = this.#pooled;
    this.#pooled = undefined;
    await Promise.all([this.#session.release(), pooled?.release()]);
  }

  async #run(tensor: ort.Tensor, rows: number): Promise<Scores> {
    this.#runs++;
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
