// The work a boosting round splits into shares, one per thread: gradients by row chunks;
// histograms and the split search by features; row partitioning by slices of each node's rows.
// A share's result depends on the share alone, never on the thread that ran it, so one thread
// or two (or a thread doing another's share) produce the same numbers bit for bit.
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

/** Runs share `share` of the task the control block names, on thread `thread`'s scratch. */
export function runTask(arena: TrainingArena, share: number, thread: number): void {
  switch (arena.control[CONTROL.kind]) {
    case TaskKind.bin:
      return binTask(arena, share);
    case TaskKind.gradients:
      return gradientsTask(arena, share);
    case TaskKind.root:
      return rootTask(arena, share, thread);
    case TaskKind.partition:
      return partitionTask(arena, share);
    case TaskKind.level:
      return levelTask(arena, share, thread);
  }
}

/**
 * Features share, share + shares, ... (every other one, so each share gets some of the costly
 * continuous ones): their cuts learned from the raw rows, then their codes.
 */
function binTask(arena: TrainingArena, share: number): void {
  const { raw, rows, featureCount } = arena;
  const maxBins = arena.rules[RULES.maxBins];
  const keys = new Uint32Array(rows);
  for (let feature = share; feature < featureCount; feature += arena.threads) {
    const cuts = Float32Array.from(
      learnFeatureCuts(raw, rows, featureCount, feature, maxBins, keys),
    );
    arena.cuts.set(cuts, feature * MAX_CUTS);
    arena.valueBins[feature] = cuts.length + 1;
    binColumn(raw, rows, featureCount, feature, cuts, arena.codes);
  }
}

/** Chunks share, share + shares, ...: each chunk's loss into lossParts[chunk]. */
function gradientsTask(arena: TrainingArena, share: number): void {
  const chunks = Math.ceil(arena.rows / GRADIENT_CHUNK);
  for (let chunk = share; chunk < chunks; chunk += arena.threads) {
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

/** The slice of the tree's features a share builds histograms for and searches. */
function featureShare(arena: TrainingArena, share: number): [number, number] {
  const count = arena.control[CONTROL.featureCount];
  return [
    Math.floor((share * count) / arena.threads),
    Math.floor(((share + 1) * count) / arena.threads),
  ];
}

/** The root's histogram over the share's features, then its best split among them. */
function rootTask(arena: TrainingArena, share: number, thread: number): void {
  const [from, to] = featureShare(arena, share);
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
  searchSplit(arena, share, 0, hist, from, to);
}

/**
 * For each entry: the smaller child's histogram, the parent's minus it (the larger child's),
 * then both children's best splits over the share's features.
 */
function levelTask(arena: TrainingArena, share: number, thread: number): void {
  const [from, to] = featureShare(arena, share);
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
    searchSplit(arena, share, arena.levelTasks[at + 4], small, from, to);
    searchSplit(arena, share, arena.levelTasks[at + 5], large, from, to);
  }
}

const best: SplitCandidate = emptyCandidate();

/** Writes a share's best split of `node` (over features[from..to)) to its candidate slot. */
function searchSplit(
  arena: TrainingArena,
  share: number,
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
  const at = (share * arena.nodes + node) * CANDIDATE_SIZE;
  arena.candidates[at] = best.gain;
  arena.candidates[at + 1] = best.feature;
  arena.candidates[at + 2] = best.bin;
  arena.candidates[at + 3] = best.missingLeft ? 1 : 0;
  arena.candidates[at + 4] = best.leftGrad;
  arena.candidates[at + 5] = best.leftHess;
}

const goesLeft = new Uint8Array(MISSING_BIN + 1);

/**
 * Each entry's rows split into one slice per share; a share partitions its slice stably: rows
 * going left to the slice's start in `order`, rows going right to the same positions in
 * `spill`. The training thread then joins the slices (see joinPartition).
 */
function partitionTask(arena: TrainingArena, share: number): void {
  const { codes, order, spill, rows } = arena;
  const entries = arena.control[CONTROL.count];
  for (let e = 0; e < entries; e++) {
    const at = e * PARTITION_ENTRY;
    const begin = arena.partitionTasks[at];
    const end = arena.partitionTasks[at + 1];
    const column = arena.partitionTasks[at + 2] * rows;
    const bin = arena.partitionTasks[at + 3];
    const [from, to] = sliceOf(begin, end, share, arena.threads);
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
    arena.partitionLefts[e * arena.threads + share] = kept - from;
  }
}

/** Share `share` of `shares` of rows [begin, end). */
export function sliceOf(begin: number, end: number, share: number, shares: number) {
  const length = end - begin;
  return [
    begin + Math.floor((share * length) / shares),
    begin + Math.floor(((share + 1) * length) / shares),
  ] as const;
}

/**
 * Claims and runs unclaimed shares of task `generation`, own share first, then any other:
 * a thread the scheduler left waiting is not waited for, its share is done by another.
 * Returns when no share is left to claim.
 */
export function workShares(arena: TrainingArena, generation: number, thread: number): void {
  const { claims, control, threads } = arena;
  for (let k = 0; k < threads; k++) {
    const share = (thread + k) % threads;
    const last = Atomics.load(claims, share);
    if (last >= generation) continue;
    if (Atomics.compareExchange(claims, share, last, generation) !== last) continue;
    try {
      runTask(arena, share, thread);
    } catch (error) {
      // The first failure is the one reported; the training thread throws it after the task.
      if (Atomics.compareExchange(control, CONTROL.failed, 0, 1) === 0) {
        const message = error instanceof Error ? error.message : String(error);
        arena.writeFailure(`share ${share} of task ${control[CONTROL.kind]}: ${message}`);
      }
    }
    Atomics.add(control, CONTROL.done, 1);
    Atomics.notify(control, CONTROL.done);
  }
}
