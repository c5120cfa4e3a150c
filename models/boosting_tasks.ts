// The work a boosting round splits into units that any thread may claim: gradients by row
// chunks; bins by feature; histograms and the split search by groups of features (and by node);
// row partitioning by slices of each node's rows. A unit's result depends on the unit alone,
// never on the thread that ran it, so one thread or two produce the same numbers bit for bit.
import { learnAndBinColumn, MISSING_BIN } from "./binning.ts";
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
  UNIT_SIZE,
} from "./training_arena.ts";

/**
 * Claims and runs units of task `generation` until none is left, then returns. A thread the
 * scheduler keeps waiting is not waited for: the others take the units it did not claim.
 */
export function workUnits(arena: TrainingArena, generation: number, thread: number): void {
  const { control } = arena;
  for (;;) {
    const unit = claimUnit(arena, generation);
    if (unit < 0) return;
    try {
      runUnit(arena, unit, thread, generation);
    } catch (error) {
      // The first failure is the one reported; the training thread throws it after the task.
      if (Atomics.compareExchange(control, CONTROL.failed, 0, 1) === 0) {
        const message = error instanceof Error ? error.message : String(error);
        arena.writeFailure(`unit ${unit} of task ${control[CONTROL.kind]}: ${message}`);
      }
    }
    if (Atomics.add(control, CONTROL.done, 1) + 1 === Atomics.load(control, CONTROL.units)) {
      Atomics.notify(control, CONTROL.done);
    }
  }
}

/** The next unclaimed unit of task `generation`, or -1 when there is none (or a newer task). */
function claimUnit(arena: TrainingArena, generation: number): number {
  const units = BigInt(Atomics.load(arena.control, CONTROL.units));
  const task = BigInt(generation) << 32n;
  for (;;) {
    const claim = Atomics.load(arena.claim, 0);
    if ((claim & ~0xffffffffn) !== task) return -1;
    const unit = claim & 0xffffffffn;
    if (unit >= units) return -1;
    if (Atomics.compareExchange(arena.claim, 0, claim, claim + 1n) === claim) return Number(unit);
  }
}

/** Runs one unit of the task the control block names, on thread `thread`'s scratch. */
function runUnit(arena: TrainingArena, unit: number, thread: number, generation: number): void {
  const at = unit * UNIT_SIZE;
  const [a, b, c, d] = [
    arena.units[at],
    arena.units[at + 1],
    arena.units[at + 2],
    arena.units[at + 3],
  ];
  switch (Atomics.load(arena.control, CONTROL.kind)) {
    case TaskKind.bin:
      return binUnit(arena, a);
    case TaskKind.gradients:
      return gradientUnit(arena, a);
    case TaskKind.root:
      return rootUnit(arena, a, b, c, thread);
    case TaskKind.partition:
      return partitionUnit(arena, unit, a, b, c);
    case TaskKind.level:
      return levelUnit(arena, a, b, c, d, thread, generation);
  }
}

/** This thread's scratch space for binning, kept from feature to feature. */
let binScratch = new Uint32Array(0);

/** One feature's cuts, learned from the raw rows, and its codes. */
function binUnit(arena: TrainingArena, feature: number): void {
  const { raw, rows, featureCount } = arena;
  if (binScratch.length < 4 * rows) binScratch = new Uint32Array(4 * rows);
  const cuts = Float32Array.from(
    learnAndBinColumn(
      raw,
      rows,
      featureCount,
      feature,
      arena.rules[RULES.maxBins],
      arena.codes,
      binScratch,
    ),
  );
  arena.cuts.set(cuts, feature * MAX_CUTS);
  arena.valueBins[feature] = cuts.length + 1;
}

/** One chunk's gradients and hessians; its loss into lossParts[chunk]. */
function gradientUnit(arena: TrainingArena, chunk: number): void {
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

/** The root's histogram over features[from..to), then its best split among them. */
function rootUnit(arena: TrainingArena, from: number, to: number, group: number, thread: number) {
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
      arena.control[CONTROL.sampled],
      arena.grad,
      arena.hess,
      gathered.grad,
      gathered.hess,
      true,
    );
  }
  searchSplit(arena, group, 0, hist, from, to);
}

/** Which entry of which task (of which arena) this thread's gathered buffers hold. */
let gatheredFor: { buffer?: SharedArrayBuffer; generation: number; entry: number } = {
  generation: -1,
  entry: -1,
};

/**
 * For one entry and features[from..to): the smaller child's histogram, the parent's minus it
 * (the larger child's), then both children's best splits among those features.
 */
function levelUnit(
  arena: TrainingArena,
  entry: number,
  from: number,
  to: number,
  group: number,
  thread: number,
  generation: number,
): void {
  const at = entry * LEVEL_ENTRY;
  const small = arena.histogram(arena.levelTasks[at + 2]);
  const large = arena.histogram(arena.levelTasks[at + 3]);
  const gathered = arena.gathered(thread);
  // Units of one entry often run on the same thread: its rows' gradients are gathered once.
  const buffer = arena.buffers.gathered;
  const gather = gatheredFor.buffer !== buffer || gatheredFor.generation !== generation ||
    gatheredFor.entry !== entry;
  gatheredFor = { buffer, generation, entry };
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
    gather,
  );
  subtractHistogram(large, large, small, arena.features, from, to);
  searchSplit(arena, group, arena.levelTasks[at + 4], small, from, to);
  searchSplit(arena, group, arena.levelTasks[at + 5], large, from, to);
}

const best: SplitCandidate = emptyCandidate();

/** Writes the best split of `node` over features[from..to) to the group's candidate slot. */
function searchSplit(
  arena: TrainingArena,
  group: number,
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
  const at = (group * arena.nodes + node) * CANDIDATE_SIZE;
  arena.candidates[at] = best.gain;
  arena.candidates[at + 1] = best.feature;
  arena.candidates[at + 2] = best.bin;
  arena.candidates[at + 3] = best.missingLeft ? 1 : 0;
  arena.candidates[at + 4] = best.leftGrad;
  arena.candidates[at + 5] = best.leftHess;
}

const goesLeft = new Uint8Array(MISSING_BIN + 1);

/**
 * One slice [from, to) of an entry's rows, partitioned stably: rows going left to the slice's
 * start in `order`, rows going right to the same positions in `spill`. The training thread
 * then joins the slices (see joinPartition).
 */
function partitionUnit(
  arena: TrainingArena,
  unit: number,
  entry: number,
  from: number,
  to: number,
): void {
  const { codes, order, spill, rows } = arena;
  const at = entry * PARTITION_ENTRY;
  const column = arena.partitionTasks[at] * rows;
  const bin = arena.partitionTasks[at + 1];
  // A lookup table and unconditional writes: which side a row goes is unpredictable, and a
  // branch on it mispredicts about every other row.
  for (let code = 0; code < MISSING_BIN; code++) goesLeft[code] = code <= bin ? 1 : 0;
  goesLeft[MISSING_BIN] = arena.partitionTasks[at + 2];
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
  arena.partitionLefts[unit] = kept - from;
}
