// The trainer's working memory in SharedArrayBuffers, so histogram threads read the same codes,
// gradients and row order without copies: the buffers travel to a worker, each side builds its
// own typed views with `TrainingArena`.
import { FEATURE_SLOTS } from "./histogram.ts";

/** Rows per gradient chunk: each chunk's loss is summed alone, then the chunks in order, so the
 * logged loss is the same whatever the number of threads. */
export const GRADIENT_CHUNK = 16_384;

/** Control slots (Int32) shared by the threads. */
export const CONTROL = {
  /** Incremented by the training thread to start a task. */
  generation: 0,
  /** Helpers that finished the current task. */
  done: 1,
  /** The task's kind (TaskKind). */
  kind: 2,
  /** How many features this tree uses (the first entries of `features`). */
  featureCount: 3,
  /** Root task: rows sampled; level task: number of task entries. */
  count: 4,
  /** Root task: 1 when order is every row in row order. */
  allRows: 5,
  /** Root task: the histogram to fill. */
  histogram: 6,
  /** Set by a helper whose task threw. */
  failed: 7,
  size: 8,
} as const;

export const TaskKind = { gradients: 1, root: 2, level: 3, exit: 4 } as const;

/** Each level task entry: begin, end (rows of the smaller child), its histogram, the parent's. */
export const LEVEL_ENTRY = 4;

/** The buffers, as posted to a helper thread. */
export interface ArenaBuffers {
  readonly rows: number;
  readonly featureCount: number;
  readonly threads: number;
  readonly codes: SharedArrayBuffer;
  readonly labels: SharedArrayBuffer;
  readonly weights: SharedArrayBuffer;
  readonly margins: SharedArrayBuffer;
  readonly grad: SharedArrayBuffer;
  readonly hess: SharedArrayBuffer;
  readonly order: SharedArrayBuffer;
  readonly gathered: SharedArrayBuffer;
  readonly histograms: SharedArrayBuffer;
  readonly control: SharedArrayBuffer;
  readonly features: SharedArrayBuffer;
  readonly levelTasks: SharedArrayBuffer;
  readonly lossParts: SharedArrayBuffer;
}

/** Bytes of one node's histogram. */
export function histogramBytes(featureCount: number): number {
  return featureCount * FEATURE_SLOTS * Float64Array.BYTES_PER_ELEMENT;
}

/** Allocates the buffers; histograms grow on demand up to `maxHistograms`. */
export function allocateArena(
  rows: number,
  featureCount: number,
  threads: number,
  maxHistograms: number,
): ArenaBuffers {
  const shared = (bytes: number) => new SharedArrayBuffer(bytes);
  const perHistogram = histogramBytes(featureCount);
  const chunks = Math.ceil(rows / GRADIENT_CHUNK);
  return {
    rows,
    featureCount,
    threads,
    codes: shared(rows * featureCount),
    labels: shared(rows),
    weights: shared(rows * 8),
    margins: shared(rows * 8),
    grad: shared(rows * 4),
    hess: shared(rows * 4),
    order: shared(rows * 4),
    gathered: shared(threads * 2 * rows * 4),
    histograms: new SharedArrayBuffer(perHistogram * Math.min(4, maxHistograms), {
      maxByteLength: perHistogram * maxHistograms,
    }),
    control: shared(CONTROL.size * 4),
    features: shared(featureCount * 4),
    levelTasks: shared(maxHistograms * LEVEL_ENTRY * 4),
    lossParts: shared(Math.max(1, chunks) * 2 * 8),
  };
}

/** Typed views over the buffers, one set per thread. */
export class TrainingArena {
  readonly rows: number;
  readonly featureCount: number;
  readonly threads: number;
  readonly codes: Uint8Array;
  readonly labels: Uint8Array;
  readonly weights: Float64Array;
  readonly margins: Float64Array;
  readonly grad: Float32Array;
  readonly hess: Float32Array;
  readonly order: Uint32Array;
  readonly control: Int32Array;
  readonly features: Int32Array;
  readonly levelTasks: Int32Array;
  readonly lossParts: Float64Array;
  readonly buffers: ArenaBuffers;
  readonly #histograms: Float64Array[] = [];
  readonly #histogramLength: number;

  constructor(buffers: ArenaBuffers) {
    this.buffers = buffers;
    this.rows = buffers.rows;
    this.featureCount = buffers.featureCount;
    this.threads = buffers.threads;
    this.codes = new Uint8Array(buffers.codes);
    this.labels = new Uint8Array(buffers.labels);
    this.weights = new Float64Array(buffers.weights);
    this.margins = new Float64Array(buffers.margins);
    this.grad = new Float32Array(buffers.grad);
    this.hess = new Float32Array(buffers.hess);
    this.order = new Uint32Array(buffers.order);
    this.control = new Int32Array(buffers.control);
    this.features = new Int32Array(buffers.features);
    this.levelTasks = new Int32Array(buffers.levelTasks);
    this.lossParts = new Float64Array(buffers.lossParts);
    this.#histogramLength = buffers.featureCount * FEATURE_SLOTS;
  }

  /** A thread's buffers for gathered gradients and hessians. */
  gathered(thread: number): { grad: Float32Array; hess: Float32Array } {
    const bytes = this.rows * 4;
    return {
      grad: new Float32Array(this.buffers.gathered, 2 * thread * bytes, this.rows),
      hess: new Float32Array(this.buffers.gathered, (2 * thread + 1) * bytes, this.rows),
    };
  }

  /** Histograms the buffer holds now. */
  get histogramCapacity(): number {
    return this.buffers.histograms.byteLength / (this.#histogramLength * 8);
  }

  /** Makes room for `count` histograms (training thread only, between tasks). */
  growHistograms(count: number): void {
    const bytes = count * this.#histogramLength * 8;
    if (bytes > this.buffers.histograms.byteLength) this.buffers.histograms.grow(bytes);
  }

  /** The view of histogram `id`. */
  histogram(id: number): Float64Array {
    let view = this.#histograms[id];
    if (view === undefined) {
      view = new Float64Array(
        this.buffers.histograms,
        id * this.#histogramLength * 8,
        this.#histogramLength,
      );
      this.#histograms[id] = view;
    }
    return view;
  }
}
