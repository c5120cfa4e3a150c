// The gradient-boosted tree trainer for binary log loss: quantile bins from the training rows,
// one depth-wise tree per round on the gradients, per-tree row and column sampling, early
// stopping on the validation rows, deterministic for a seed; returns a TreeModel.
import { binFeatures, type BinnedMatrix } from "./binning.ts";
import { BoostingThreads } from "./boosting_threads.ts";
import { FEATURE_NAMES } from "./features.ts";
import { type GbdtParams, resolveGbdtParams } from "./gbdt_params.ts";
import { marginLogLoss, rocAuc, thresholdForPrecision } from "./metrics.ts";
import { ModelInputError } from "./model_errors.ts";
import { SeededRandom } from "./seeded_random.ts";
import {
  allocateArena,
  GRADIENT_CHUNK,
  MAX_CUTS,
  RULES,
  TaskKind,
  TrainingArena,
} from "./training_arena.ts";
import type { TrainingData } from "./training_data.ts";
import {
  addLeafValues,
  addTreeToMargins,
  type GrownTree,
  growTree,
  HistogramPool,
} from "./tree_grower.ts";
import { type Tree, TREE_MODEL_FORMAT, type TreeModel } from "./tree_model.ts";
import { predictBatch } from "./tree_predict.ts";

/** One round's figures, as the trainer reports them. */
export interface RoundLog {
  /** 1-based: the number of trees so far. */
  readonly round: number;
  /** The objective: mean log loss on the training rows, weighted (scale_pos_weight included). */
  readonly trainLoss: number;
  /** Mean log loss on the validation rows (their own weights only); null without validation. */
  readonly validationLoss: number | null;
  readonly validationAuc: number | null;
}

export type RoundLogger = (log: RoundLog) => void;

export interface TrainResult {
  readonly model: TreeModel;
  /**
   * The round whose trees are kept: with early stopping and validation rows, the round of the
   * lowest validation loss; otherwise the last round.
   */
  readonly bestRound: number;
  readonly roundsRun: number;
  readonly stoppedEarly: boolean;
  readonly history: readonly RoundLog[];
  readonly params: GbdtParams;
}

/**
 * Trains on `train`, early-stopping on `validation` when given (a time split: validate on a
 * later day). The model's threshold is the lowest reaching `thresholdPrecision` on validation,
 * or 0.5 without validation rows. Histograms are built on `params.threads` threads; the model
 * is the same for any number of threads. `helperPorts` lead to helper threads started by the
 * caller (see BoostingThreads.start); without them the trainer starts its own.
 */
export async function trainGbdt(
  train: TrainingData,
  validationRows: TrainingData | undefined,
  overrides: Partial<GbdtParams> = {},
  onLog?: RoundLogger,
  helperPorts?: readonly MessagePort[],
): Promise<TrainResult> {
  const params = resolveGbdtParams(overrides);
  const featureNames = featureNamesFor(train, params);
  // A validation set without rows validates nothing: train as without one.
  const validation = validationRows?.rows === 0 ? undefined : validationRows;
  if (validation !== undefined && validation.featureCount !== train.featureCount) {
    throw new ModelInputError(
      `Cannot train as the validation rows must have the training rows' ${train.featureCount} features: current count is ${validation.featureCount}`,
    );
  }
  const { arena, weightSum, baseScore } = prepareArena(train, params);
  const threads = await BoostingThreads.start(arena, helperPorts);
  try {
    const { edges, cuts } = learnBins(arena, threads);
    const tracker = validation === undefined
      ? undefined
      : new ValidationTracker(validation, binFeatures(validation, edges), baseScore);
    const histograms = new HistogramPool(arena);
    const random = new SeededRandom(params.seed);
    const trees: Tree[] = [];
    const history: RoundLog[] = [];
    const stopping = new EarlyStopping(params.earlyStoppingRounds);
    arena.margins.fill(baseScore);
    computeGradients(arena, threads, weightSum);
    for (let round = 1; round <= params.rounds; round++) {
      const sampled = sampleRows(arena.order, arena.rows, params.subsample, random);
      const featureCount = sampleFeatures(arena.features, params.colsampleByTree, random);
      const grown = growTree(
        {
          arena,
          threads,
          cuts,
          sampled,
          allRows: params.subsample === 1,
          featureCount,
          maxDepth: params.maxDepth,
          learningRate: params.learningRate,
          lambda: params.lambda,
        },
        histograms,
      );
      trees.push(grown.tree);
      if (params.subsample === 1) addLeafValues(grown, arena.order, arena.margins);
      else addTreeToMargins(grown, arena.codes, arena.rows, arena.margins);
      // The validation rows are scored while the helpers start on the gradients.
      let checked: { loss: number; auc: number } | undefined;
      const trainLoss = computeGradients(arena, threads, weightSum, () => {
        checked = tracker?.addTree(grown);
      });
      const log = {
        round,
        trainLoss,
        validationLoss: checked?.loss ?? null,
        validationAuc: checked?.auc ?? null,
      };
      history.push(log);
      onLog?.(log);
      if (stopping.stopAfter(round, log.validationLoss)) break;
    }
    const model: TreeModel = {
      format: TREE_MODEL_FORMAT,
      featureNames,
      baseScore,
      trees: trees.slice(0, stopping.bestRound),
      threshold: 0.5,
      binEdges: edges,
    };
    const threshold = validation === undefined ? 0.5 : thresholdForPrecision(
      predictBatch(model, validation.features, validation.rows),
      validation.labels,
      params.thresholdPrecision,
    ).threshold;
    return {
      model: { ...model, threshold },
      bestRound: stopping.bestRound,
      roundsRun: trees.length,
      stoppedEarly: stopping.stopped,
      history,
      params,
    };
  } finally {
    threads.close();
  }
}

/** The shared arena with the labels, the objective's weights and the raw features in place. */
function prepareArena(train: TrainingData, params: GbdtParams) {
  const arena = new TrainingArena(
    allocateArena(train.rows, train.featureCount, params.threads, params.maxDepth),
  );
  const weightSum = fillObjectiveWeights(train, params.scalePosWeight, arena.weights);
  arena.labels.set(train.labels);
  const baseScore = weightedLogOdds(arena.labels, arena.weights);
  arena.rules[RULES.lambda] = params.lambda;
  arena.rules[RULES.gamma] = params.gamma;
  arena.rules[RULES.minChildWeight] = params.minChildWeight;
  arena.rules[RULES.maxBins] = params.maxBins;
  arena.raw.set(train.features);
  return { arena, weightSum, baseScore };
}

/** Each thread learns and codes its share of the features; returns every feature's cuts. */
function learnBins(arena: TrainingArena, threads: BoostingThreads) {
  for (let f = 0; f < arena.featureCount; f++) arena.setUnit(f, f);
  threads.run(TaskKind.bin, arena.featureCount);
  const cuts: Float32Array[] = [];
  for (let f = 0; f < arena.featureCount; f++) {
    const at = f * MAX_CUTS;
    cuts.push(arena.cuts.slice(at, at + arena.valueBins[f] - 1));
  }
  return { cuts, edges: cuts.map((featureCuts) => Array.from(featureCuts)) };
}

/** The validation rows' margins, kept up to date tree by tree, and their loss and AUC. */
class ValidationTracker {
  readonly #rows: TrainingData;
  readonly #codes: Uint8Array;
  readonly #margins: Float64Array;

  constructor(rows: TrainingData, binned: BinnedMatrix, baseScore: number) {
    this.#rows = rows;
    this.#codes = binned.codes;
    this.#margins = new Float64Array(rows.rows).fill(baseScore);
  }

  addTree(grown: GrownTree): { loss: number; auc: number } {
    addTreeToMargins(grown, this.#codes, this.#rows.rows, this.#margins);
    return {
      loss: marginLogLoss(this.#margins, this.#rows.labels, this.#rows.weights),
      auc: rocAuc(this.#margins, this.#rows.labels),
    };
  }
}

/**
 * Early stopping on the validation loss: stop after `patience` rounds without a lower one and
 * keep the best round's trees. Without patience or validation, every round is kept.
 */
class EarlyStopping {
  readonly #patience: number;
  #bestLoss = Infinity;
  bestRound = 0;
  stopped = false;

  constructor(patience: number) {
    this.#patience = patience;
  }

  stopAfter(round: number, validationLoss: number | null): boolean {
    if (this.#patience === 0 || validationLoss === null || validationLoss < this.#bestLoss) {
      this.#bestLoss = validationLoss ?? this.#bestLoss;
      this.bestRound = round;
    } else if (round - this.bestRound >= this.#patience) {
      this.stopped = true;
    }
    return this.stopped;
  }
}

function featureNamesFor(train: TrainingData, params: GbdtParams): readonly string[] {
  const names = params.featureNames ??
    (train.featureCount === FEATURE_NAMES.length
      ? FEATURE_NAMES
      : Array.from({ length: train.featureCount }, (_, f) => `f${f}`));
  if (names.length !== train.featureCount) {
    throw new ModelInputError(
      `Cannot train as 'featureNames' must name each of the ${train.featureCount} features: current count is ${names.length}`,
    );
  }
  return [...names];
}

/** Writes each row's weight in the objective (its own, times scale_pos_weight if positive)
 * and returns their sum. */
function fillObjectiveWeights(
  train: TrainingData,
  scalePosWeight: number,
  weights: Float64Array,
): number {
  let sum = 0;
  for (let i = 0; i < train.rows; i++) {
    const own = train.weights === undefined ? 1 : train.weights[i];
    weights[i] = train.labels[i] === 1 ? own * scalePosWeight : own;
    sum += weights[i];
  }
  return sum;
}

/** The log-odds of the weighted positive rate: the best constant margin for the objective. */
function weightedLogOdds(labels: Uint8Array, weights: Float64Array): number {
  let positive = 0;
  let negative = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === 1) positive += weights[i];
    else negative += weights[i];
  }
  if (!(positive > 0) || !(negative > 0)) {
    throw new ModelInputError(
      `Cannot train as the training rows must hold both classes with positive weight: current weights are ${positive} positive and ${negative} negative`,
    );
  }
  return Math.log(positive / negative);
}

/** Every row's gradient and hessian at its margin, on every thread, `alongside` run on this one
 * meanwhile; returns the mean loss (chunk sums added in chunk order, so the figure does not
 * depend on the thread count). */
function computeGradients(
  arena: TrainingArena,
  threads: BoostingThreads,
  weightSum: number,
  alongside?: () => void,
): number {
  const chunks = Math.ceil(arena.rows / GRADIENT_CHUNK);
  for (let chunk = 0; chunk < chunks; chunk++) arena.setUnit(chunk, chunk);
  threads.run(TaskKind.gradients, chunks, alongside);
  let loss = 0;
  for (let chunk = 0; chunk < chunks; chunk++) loss += arena.lossParts[chunk];
  return loss / weightSum;
}

/** Draws each row with probability `subsample` into order[0..n); returns n (at least 1). */
function sampleRows(
  order: Uint32Array,
  rows: number,
  subsample: number,
  random: SeededRandom,
): number {
  if (subsample >= 1) {
    for (let i = 0; i < rows; i++) order[i] = i;
    return rows;
  }
  let sampled = 0;
  for (let i = 0; i < rows; i++) if (random.nextFloat() < subsample) order[sampled++] = i;
  if (sampled === 0) order[sampled++] = random.nextInt(rows);
  return sampled;
}

/** Writes round(colsample x features) distinct features (at least one), ascending, to the
 * front of `features`; returns how many. */
function sampleFeatures(features: Int32Array, colsample: number, random: SeededRandom): number {
  const count = features.length;
  for (let f = 0; f < count; f++) features[f] = f;
  if (colsample >= 1) return count;
  const take = Math.max(1, Math.round(colsample * count));
  for (let i = 0; i < take; i++) {
    const j = i + random.nextInt(count - i);
    const swap = features[i];
    features[i] = features[j];
    features[j] = swap;
  }
  features.subarray(0, take).sort();
  return take;
}
