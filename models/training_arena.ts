// The trainer's working memory in SharedArrayBuffers, so histogram threads read the same codes,
// gradients and row order without copies: the buffers travel to a worker, each side builds its
// own typed views with `TrainingArena`.
import { FEATURE_SLOTS } from "./histogram.ts";

/**
 * Rows per gradient chunk: each chunk's loss is summed alone, then the chunks in order, so the
 * logged loss is the same whatever the number of threads.
 */
export const GRADIENT_CHUNK = 16_384;

/** Rows per partition unit: a large node's rows are partitioned in slices of this size. */
export const PARTITION_SLICE = 16_384;

/** Features per histogram unit at most: the kernels read four features per pass. */
export const FEATURE_GROUP = 4;

/** Control slots (Int32) shared by the threads. */
export const CONTROL = {
  /** The current task's number, incremented by the training thread to start one. */
  generation: 0,
  /** Units of the current task done. */
  done: 1,
  /** The task's kind (TaskKind). */
  kind: 2,
  /** Units of the current task (entries of `units`). */
  units: 3,
  /** Root task: rows sampled. */
  sampled: 4,
  /** Root task: 1 when order is every row in row order. */
  allRows: 5,
  /** Root task: the histogram to fill. */
  histogram: 6,
  /** Set by a thread whose unit of a task threw. */
  failed: 7,
  /** Helpers that have left their loop (after an exit task). */
  exited: 8,
  size: 9,
} as const;

export const TaskKind = {
  bin: 1,
  gradients: 2,
  root: 3,
  partition: 4,
  level: 5,
  exit: 6,
} as const;

/** Cut slots per feature in `cuts`: a byte of codes holds 255 value bins, so 254 cuts. */
export const MAX_CUTS = 254;

/**
 * A unit of work, four Int32 whose meaning depends on the task:
 * - bin: the feature; gradients: the chunk;
 * - root: first and end position in `features`, candidate group;
 * - partition: entry, first and end position in `order`;
 * - level: entry, first and end position in `features`, candidate group.
 */
export const UNIT_SIZE = 4;

/** A partition entry: feature, bin (0..bin go left), missing goes left (0/1). */
export const PARTITION_ENTRY = 3;

/**
 * A level entry: begin and end of the smaller child's rows, its histogram, the parent's (which
 * becomes the larger child's), the smaller child's node and the larger child's node.
 */
export const LEVEL_ENTRY = 6;

/** A split candidate: gain, feature, bin, missing left (0/1), left gradient, left hessian. */
export const CANDIDATE_SIZE = 6;

/** Rule slots (Float64): lambda, gamma, min child weight, and bins per feature. */
export const RULES = { lambda: 0, gamma: 1, minChildWeight: 2, maxBins: 3, size: 4 } as const;

/** The buffers, as posted to a helper thread. */
export interface ArenaBuffers {
  readonly rows: number;
  readonly featureCount: number;
  readonly threads: number;
  /** Node slots of the deepest tree: 2^(maxDepth + 1) - 1. */
  readonly nodes: number;
  /** Candidate groups per node: one per FEATURE_GROUP features. */
  readonly groups: number;
  /** The training rows' features, row-major float32 (read by the bin task only). */
  readonly raw: SharedArrayBuffer;
  readonly cuts: SharedArrayBuffer;
  readonly codes: SharedArrayBuffer;
  readonly valueBins: SharedArrayBuffer;
  readonly labels: SharedArrayBuffer;
  readonly weights: SharedArrayBuffer;
  readonly margins: SharedArrayBuffer;
  readonly grad: SharedArrayBuffer;
  readonly hess: SharedArrayBuffer;
  readonly order: SharedArrayBuffer;
  readonly spill: SharedArrayBuffer;
  readonly gathered: SharedArrayBuffer;
  readonly histograms: SharedArrayBuffer;
  readonly control: SharedArrayBuffer;
  /** The next unit to claim, with the task's generation: (generation << 32) | unit. */
  readonly claim: SharedArrayBuffer;
  /** The first failure's message, UTF-8, NUL-padded. */
  readonly failure: SharedArrayBuffer;
  readonly rules: SharedArrayBuffer;
  readonly features: SharedArrayBuffer;
  readonly units: SharedArrayBuffer;
  readonly partitionTasks: SharedArrayBuffer;
  readonly partitionLefts: SharedArrayBuffer;
  readonly levelTasks: SharedArrayBuffer;
  readonly nodeSums: SharedArrayBuffer;
  readonly candidates: SharedArrayBuffer;
  readonly lossParts: SharedArrayBuffer;
}

const FAILURE_BYTES = 1024;

/** Bytes of one node's histogram. */
export function histogramBytes(featureCount: number): number {
  return featureCount * FEATURE_SLOTS * Float64Array.BYTES_PER_ELEMENT;
}

/** Allocates the buffers for trees of depth `maxDepth`; histograms grow on demand. */
export function allocateArena(
  rows: number,
  featureCount: number,
  threads: number,
  maxDepth: number,
): ArenaBuffers {
  const shared = (bytes: number) => new SharedArrayBuffer(Math.max(8, bytes));
  const perHistogram = histogramBytes(featureCount);
  // A level's nodes keep their histograms until the next level's are built.
  const maxHistograms = 2 ** (maxDepth - 1);
  const widestLevel = 2 ** maxDepth;
  const nodes = 2 ** (maxDepth + 1) - 1;
  const groups = Math.ceil(featureCount / FEATURE_GROUP);
  const chunks = Math.ceil(rows / GRADIENT_CHUNK);
  const maxUnits = Math.max(
    featureCount,
    chunks,
    Math.ceil(rows / PARTITION_SLICE) + widestLevel,
    groups * widestLevel,
  );
  return {
    rows,
    featureCount,
    threads,
    nodes,
    groups,
    raw: shared(rows * featureCount * 4),
    cuts: shared(featureCount * MAX_CUTS * 4),
    codes: shared(rows * featureCount),
    valueBins: shared(featureCount * 2),
    labels: shared(rows),
    weights: shared(rows * 8),
    margins: shared(rows * 8),
    grad: shared(rows * 4),
    hess: shared(rows * 4),
    order: shared(rows * 4),
    spill: shared(rows * 4),
    gathered: shared(threads * 2 * rows * 4),
    histograms: new SharedArrayBuffer(perHistogram * Math.min(4, maxHistograms), {
      maxByteLength: perHistogram * maxHistograms,
    }),
    control: shared(CONTROL.size * 4),
    claim: shared(8),
    failure: shared(FAILURE_BYTES),
    rules: shared(RULES.size * 8),
    features: shared(featureCount * 4),
    units: shared(maxUnits * UNIT_SIZE * 4),
    partitionTasks: shared(widestLevel * PARTITION_ENTRY * 4),
    partitionLefts: shared(maxUnits * 4),
    levelTasks: shared(widestLevel * LEVEL_ENTRY * 4),
    nodeSums: shared(nodes * 2 * 8),
    candidates: shared(groups * nodes * CANDIDATE_SIZE * 8),
    lossParts: shared(chunks * 8),
  };
}

/** Typed views over the buffers, one set per thread. */
export class TrainingArena {
  readonly rows: number;
  readonly featureCount: number;
  readonly threads: number;
  readonly nodes: number;
  readonly groups: number;
  readonly raw: Float32Array;
  /** Feature f's cuts are cuts[f * MAX_CUTS .. f * MAX_CUTS + valueBins[f] - 1). */
  readonly cuts: Float32Array;
  readonly codes: Uint8Array;
  readonly valueBins: Uint16Array;
  readonly labels: Uint8Array;
  readonly weights: Float64Array;
  readonly margins: Float64Array;
  readonly grad: Float32Array;
  readonly hess: Float32Array;
  readonly order: Uint32Array;
  readonly spill: Uint32Array;
  readonly control: Int32Array;
  readonly claim: BigInt64Array;
  readonly rules: Float64Array;
  readonly features: Int32Array;
  readonly units: Int32Array;
  readonly partitionTasks: Int32Array;
  /** Rows each partition unit sent left. */
  readonly partitionLefts: Int32Array;
  readonly levelTasks: Int32Array;
  /** Gradient and hessian sums per node: [2 * node], [2 * node + 1]. */
  readonly nodeSums: Float64Array;
  /** The best split per candidate group and node: [(group * nodes + node) * 6]. */
  readonly candidates: Float64Array;
  readonly lossParts: Float64Array;
  readonly buffers: ArenaBuffers;
  readonly #histograms: Float64Array[] = [];
  readonly #histogramLength: number;

  constructor(buffers: ArenaBuffers) {
    this.buffers = buffers;
    this.rows = buffers.rows;
    this.featureCount = buffers.featureCount;
    this.threads = buffers.threads;
    this.nodes = buffers.nodes;
    this.groups = buffers.groups;
    this.raw = new Float32Array(buffers.raw, 0, buffers.rows * buffers.featureCount);
    this.cuts = new Float32Array(buffers.cuts, 0, buffers.featureCount * MAX_CUTS);
    this.codes = new Uint8Array(buffers.codes, 0, buffers.rows * buffers.featureCount);
    this.valueBins = new Uint16Array(buffers.valueBins, 0, buffers.featureCount);
    this.labels = new Uint8Array(buffers.labels, 0, buffers.rows);
    this.weights = new Float64Array(buffers.weights, 0, buffers.rows);
    this.margins = new Float64Array(buffers.margins, 0, buffers.rows);
    this.grad = new Float32Array(buffers.grad, 0, buffers.rows);
    this.hess = new Float32Array(buffers.hess, 0, buffers.rows);
    this.order = new Uint32Array(buffers.order, 0, buffers.rows);
    this.spill = new Uint32Array(buffers.spill, 0, buffers.rows);
    this.control = new Int32Array(buffers.control);
    this.claim = new BigInt64Array(buffers.claim);
    this.rules = new Float64Array(buffers.rules);
    this.features = new Int32Array(buffers.features, 0, buffers.featureCount);
    this.units = new Int32Array(buffers.units);
    this.partitionTasks = new Int32Array(buffers.partitionTasks);
    this.partitionLefts = new Int32Array(buffers.partitionLefts);
    this.levelTasks = new Int32Array(buffers.levelTasks);
    this.nodeSums = new Float64Array(buffers.nodeSums);
    this.candidates = new Float64Array(buffers.candidates);
    this.lossParts = new Float64Array(buffers.lossParts);
    this.#histogramLength = buffers.featureCount * FEATURE_SLOTS;
  }

  /** Writes unit `unit`'s four numbers. */
  setUnit(unit: number, a: number, b = 0, c = 0, d = 0): void {
    const at = unit * UNIT_SIZE;
    this.units[at] = a;
    this.units[at + 1] = b;
    this.units[at + 2] = c;
    this.units[at + 3] = d;
  }

  /** Keeps a failure's message for the training thread to throw. */
  writeFailure(message: string): void {
    const bytes = new Uint8Array(this.buffers.failure);
    bytes.fill(0);
    new TextEncoder().encodeInto(message, bytes.subarray(0, FAILURE_BYTES - 1));
  }

  /** The failure message a thread kept. */
  readFailure(): string {
    const bytes = new Uint8Array(this.buffers.failure).slice();
    const end = bytes.indexOf(0);
    return new TextDecoder().decode(bytes.subarray(0, end < 0 ? bytes.length : end));
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
