// The work a boosting round splits between threads: gradients by row chunks, histograms by
// features. Every thread runs the same function on the same shared arena with its own index,
// so one thread or two produce the same numbers bit for bit.
import { buildHistogram, buildHistogramAllRows, subtractHistogram } from "./histogram.ts";
import { logisticGradients } from "./logistic_gradients.ts";
import {
  CONTROL,
  GRADIENT_CHUNK,
  LEVEL_ENTRY,
  TaskKind,
  type TrainingArena,
} from "./training_arena.ts";

/** Runs this thread's share of the task the control block names. */
export function runTask(arena: TrainingArena, thread: number): void {
  switch (arena.control[CONTROL.kind]) {
    case TaskKind.gradients:
      return gradientsTask(arena, thread);
    case TaskKind.root:
      return rootTask(arena, thread);
    case TaskKind.level:
      return levelTask(arena, thread);
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

/** The slice of the tree's features this thread builds histograms for. */
function featureShare(arena: TrainingArena, thread: number): [number, number] {
  const count = arena.control[CONTROL.featureCount];
  return [
    Math.floor((thread * count) / arena.threads),
    Math.floor(((thread + 1) * count) / arena.threads),
  ];
}

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
    return;
  }
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

/** For each entry: the smaller child's histogram, then parent minus it (the larger child). */
function levelTask(arena: TrainingArena, thread: number): void {
  const [from, to] = featureShare(arena, thread);
  const gathered = arena.gathered(thread);
  const entries = arena.control[CONTROL.count];
  for (let e = 0; e < entries; e++) {
    const at = e * LEVEL_ENTRY;
    const small = arena.histogram(arena.levelTasks[at + 2]);
    const parent = arena.histogram(arena.levelTasks[at + 3]);
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
    subtractHistogram(parent, parent, small, arena.features, from, to);
  }
}
