// The work a boosting round splits between threads: gradients by row chunks; histograms and
// the split search by features; row partitioning by slices of each node's rows. Every thread
// runs the same function on the same shared arena with its own index, so one thread or two
// produce the same numbers bit for bit.
import { binColumn, learnFeatureCuts, MISSING_BIN } from "./binning.ts";
import { buildHistogram, buildHistogramAllRows, subtractHistogram } from "./histogram.ts";
import { logisticGradients } from "./logistic_gradients.ts";
import { emptyCandidate, findBestSplit, type SplitCandidate } from "./split_finder.ts";
import {
  CANDIDATE_SIZE,
  CONTROL,
  GRADIENT_CHUNK,
  LEVEL_ENTRY,
  MAX_CUTS,
  PARTITION_ENTRY,
  RULES,
  TaskKind,
  type TrainingArena,
} from "./training_arena.ts";

/** Runs this thread's share of the task the control block names. */
export function runTask(arena: TrainingArena, thread: number): void {
  switch (arena.control[CONTROL.kind]) {
    case TaskKind.bin:
      return binTask(arena, thread);
    case TaskKind.gradients:
      return gradientsTask(arena, thread);
    case TaskKind.root:
      return rootTask(arena, thread);
    case TaskKind.partition:
      return partitionTask(arena, thread);
    case TaskKind.level:
      return levelTask(arena, thread);
  }
}

/**
 * Features thread, thread + threads, ... (every other one, so each thread gets some of the
 * costly continuous ones): their cuts learned from the raw rows, then their codes.
 */
function binTask(arena: TrainingArena, thread: number): void {
  const { raw, rows, featureCount } = arena;
  const maxBins = arena.rules[RULES.maxBins];
  const keys = new Uint32Array(rows);
  for (let feature = thread; feature < featureCount; feature += arena.threads) {
    const cuts = Float32Array.from(
      learnFeatureCuts(raw, rows, featureCount, feature, maxBins, keys),
    );
    arena.cuts.set(cuts, feature * MAX_CUTS);
    arena.valueBins[feature] = cuts.length + 1;
    binColumn(raw, rows, featureCount, feature, cuts, arena.codes);
  }
}

/** Chunks thread, thread + threads, ...: each chunk's loss into lossParts[chunk]. */
function gradientsTask(arena: TrainingArena, thread: number): void {
  const chunks = Math.ceil(arena.rows / GRADIENT_CHUNK);
  for (let chunk = thread; chunk < chunks; chunk += arena.threads) {
    const begin = chunk * GRADIENT_CHUNK;
    const end = Math.min(arena.rows, begin + GRADIENT_CHUNK);
    arena.lossParts[chunk] = logisticGradients(
      arena.margins,
      arena.labels,
      arena.weights,
      arena.grad,
      arena.hess,
      begin,
      end,
    );
  }
}

/** The slice of the tree's features this thread builds histograms for and searches. */
function featureShare(arena: TrainingArena, thread: number): [number, number] {
  const count = arena.control[CONTROL.featureCount];
  return [
    Math.floor((thread * count) / arena.threads),
    Math.floor(((thread + 1) * count) / arena.threads),
  ];
}

/** The root's histogram over this thread's features, then its best split among them. */
function rootTask(arena: TrainingArena, thread: number): void {
  const [from, to] = featureShare(arena, thread);
  const hist = arena.histogram(arena.control[CONTROL.histogram]);
  if (arena.control[CONTROL.allRows] === 1) {
    buildHistogramAllRows(
      hist,
      arena.codes,
      arena.rows,
      arena.features,
      from,
      to,
      arena.grad,
      arena.hess,
    );
  } else {
    const gathered = arena.gathered(thread);
    buildHistogram(
      hist,
      arena.codes,
      arena.rows,
      arena.features,
      from,
      to,
      arena.order,
      0,
      arena.control[CONTROL.count],
      arena.grad,
      arena.hess,
      gathered.grad,
      gathered.hess,
    );
  }
  searchSplit(arena, thread, 0, hist, from, to);
}

/**
 * For each entry: the smaller child's histogram, the parent's minus it (the larger child's),
 * then both children's best splits over this thread's features.
 */
function levelTask(arena: TrainingArena, thread: number): void {
  const [from, to] = featureShare(arena, thread);
  const gathered = arena.gathered(thread);
  const entries = arena.control[CONTROL.count];
  for (let e = 0; e < entries; e++) {
    const at = e * LEVEL_ENTRY;
    const small = arena.histogram(arena.levelTasks[at + 2]);
    const large = arena.histogram(arena.levelTasks[at + 3]);
    buildHistogram(
      small,
      arena.codes,
      arena.rows,
      arena.features,
      from,
      to,
      arena.order,
      arena.levelTasks[at],
      arena.levelTasks[at + 1],
      arena.grad,
      arena.hess,
      gathered.grad,
      gathered.hess,
    );
    subtractHistogram(large, large, small, arena.features, from, to);
    searchSplit(arena, thread, arena.levelTasks[at + 4], small, from, to);
    searchSplit(arena, thread, arena.levelTasks[at + 5], large, from, to);
  }
}

const best: SplitCandidate = emptyCandidate();

/** Writes this thread's best split of `node` (over features[from..to)) to its candidate slot. */
function searchSplit(
  arena: TrainingArena,
  thread: number,
  node: number,
  hist: Float64Array,
  from: number,
  to: number,
): void {
  const grad = arena.nodeSums[2 * node];
  const hess = arena.nodeSums[2 * node + 1];
  const rules = {
    lambda: arena.rules[RULES.lambda],
    gamma: arena.rules[RULES.gamma],
    minChildWeight: arena.rules[RULES.minChildWeight],
  };
  best.feature = -1;
  best.gain = -Infinity;
  // A node lighter than two children's minimum weight has no split to look for.
  if (hess >= 2 * rules.minChildWeight) {
    findBestSplit(hist, grad, hess, arena.features, from, to, arena.valueBins, rules, best);
  }
  const at = (thread * arena.nodes + node) * CANDIDATE_SIZE;
  arena.candidates[at] = best.gain;
  arena.candidates[at + 1] = best.feature;
  arena.candidates[at + 2] = best.bin;
  arena.candidates[at + 3] = best.missingLeft ? 1 : 0;
  arena.candidates[at + 4] = best.leftGrad;
  arena.candidates[at + 5] = best.leftHess;
}

const goesLeft = new Uint8Array(MISSING_BIN + 1);

/**
 * Each entry's rows split into `threads` slices; this thread partitions its slice stably: rows
 * going left to the slice's start in `order`, rows going right to the same positions in
 * `spill`. The training thread then joins the slices (see joinPartition).
 */
function partitionTask(arena: TrainingArena, thread: number): void {
  const { codes, order, spill, rows } = arena;
  const entries = arena.control[CONTROL.count];
  for (let e = 0; e < entries; e++) {
    const at = e * PARTITION_ENTRY;
    const begin = arena.partitionTasks[at];
    const end = arena.partitionTasks[at + 1];
    const column = arena.partitionTasks[at + 2] * rows;
    const bin = arena.partitionTasks[at + 3];
    const [from, to] = sliceOf(begin, end, thread, arena.threads);
    // A lookup table and unconditional writes: which side a row goes is unpredictable, and a
    // branch on it mispredicts about every other row.
    for (let code = 0; code < MISSING_BIN; code++) goesLeft[code] = code <= bin ? 1 : 0;
    goesLeft[MISSING_BIN] = arena.partitionTasks[at + 4];
    let kept = from;
    let spilled = from;
    for (let j = from; j < to; j++) {
      const row = order[j];
      const left = goesLeft[codes[column + row]];
      order[kept] = row;
      spill[spilled] = row;
      kept += left;
      spilled += 1 - left;
    }
    arena.partitionLefts[e * arena.threads + thread] = kept - from;
  }
}

/** Thread `thread`'s slice of rows [begin, end). */
export function sliceOf(begin: number, end: number, thread: number, threads: number) {
  const length = end - begin;
  return [
    begin + Math.floor((thread * length) / threads),
    begin + Math.floor(((thread + 1) * length) / threads),
  ] as const;
}
