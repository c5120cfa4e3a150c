// models.fraud_detector: partition D trains gradient-boosted trees on silver.orders_enriched for
// D-30..D-2 and validates on D-1 (a time split), exports ONNX, measures itself and the rules
// baseline on D-1, and promotes itself to `champion` in its own commit when every gate passes.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type AssetDefinition, defineAsset, dep } from "../runtime/definitions/asset.ts";
import type { AssetCheck } from "../runtime/definitions/check.ts";
import type {
  AliasedVersion,
  JsonValue,
  MaterializeContext,
  UpstreamPartition,
} from "../runtime/definitions/context.ts";
import { inputFiles } from "../runtime/definitions/context.ts";
import { hashParts } from "../runtime/definitions/version.ts";
import { DefinitionError } from "../runtime/errors.ts";
import { daily, DailyPartitions } from "../runtime/partitions/daily_partitions.ts";
import type { PartitionsDefinition } from "../runtime/partitions/definition.ts";
import { windowDays } from "../runtime/partitions/mapping.ts";
import type { PartitionKey } from "../runtime/partitions/partition_key.ts";
import { type DuckDb, openDuckDb } from "../resources/duckdb/duckdb.ts";
import { DATA_FILE } from "../resources/duckdb/duckdb_sql_engine.ts";
import { FEATURE_NAMES } from "../models/features.ts";
import { featureProfiles } from "../models/feature_drift.ts";
import { countFeatureRows, type FeatureRowCounts } from "../models/feature_row_counts.ts";
import { type FeatureRowsOptions, parquetList, readFeatureRows } from "../models/feature_rows.ts";
import { readLabelledScores } from "../models/labelled_scores.ts";
import { type GbdtParams, resolveGbdtParams } from "../models/gbdt_params.ts";
import type { TrainResult } from "../models/gbdt_trainer.ts";
import {
  type ChampionFigures,
  DEFAULT_GATE_THRESHOLDS,
  evaluateGates,
  type GateEvaluation,
  type GateThresholds,
} from "../models/gates.ts";
import { featureImportance, rocAuc } from "../models/metrics.ts";
import { MODEL_REPORT_FORMAT, type ModelReport, modelReportOf } from "../models/model_report.ts";
import { MODEL_FILES } from "../models/model_files.ts";
import { CHAMPION, FRAUD_DETECTOR_KEY, versionLabel } from "../models/model_versions.ts";
import { exportOnnx } from "../models/onnx_export.ts";
import { onnxParity } from "../models/onnx_parity.ts";
import { evaluateScores, type ScoreEvaluation } from "../models/score_evaluation.ts";
import { trainInWorker } from "../models/train_worker.ts";
import type { TrainingData } from "../models/training_data.ts";
import type { TreeModel } from "../models/tree_model.ts";
import { predictBatch } from "../models/tree_predict.ts";
import type {} from "./resources.ts";

/** The files a model version holds (models/model_files.ts, which serving reads too). */
export { MODEL_FILES };

/** Days a partition reads from silver: 29 to train on (D-30..D-2) and D-1 to validate on. */
export const WINDOW_DAYS = 30;

/** The parity the ONNX export must keep with the trainer's own probabilities. */
export const ONNX_PARITY_TOLERANCE = 1e-5;

export interface FraudDetectorOptions {
  /** Trainer parameters over the defaults (models/gbdt_params.ts). */
  readonly params?: Partial<GbdtParams>;
  readonly gates?: GateThresholds;
}

/**
 * The trainer's settings for the fraud model, early stopping on D-1. Fewer, stronger trees than
 * XGBoost's defaults (eta 0.15, at most 80 rounds, against eta 0.1, 200 before 2026-12-02): on
 * bench:model's real rows the early-stopped model keeps 35-74 trees instead of 52-138 at a
 * validation ROC-AUC 0.0008 lower on average over five validation days (never more than 0.0018),
 * and onnxruntime scores it past the 1,000,000 rows/s target on two cores; the cap bounds the trees
 * a late early stop could keep (README, "The fraud model").
 */
export const FRAUD_DETECTOR_PARAMS: Partial<GbdtParams> = {
  rounds: 80,
  maxDepth: 6,
  learningRate: 0.15,
  lambda: 1,
  minChildWeight: 1,
  earlyStoppingRounds: 20,
  seed: 42,
  thresholdPrecision: 0.9,
};

const SOURCE_FILES = [
  "./fraud_detector.ts",
  "../models/feature_rows.ts",
  "../models/gbdt_trainer.ts",
  "../models/tree_grower.ts",
  "../models/split_finder.ts",
  "../models/histogram.ts",
  "../models/binning.ts",
  "../models/logistic_gradients.ts",
  "../models/onnx_export.ts",
  "../models/gates.ts",
  "../models/metrics.ts",
];

/** The model asset over silver.orders_enriched and gold.fraud_alerts (the rules baseline). */
export function fraudDetectorAsset(
  silver: AssetDefinition,
  alerts: AssetDefinition,
  options: FraudDetectorOptions = {},
): AssetDefinition {
  const params = { ...FRAUD_DETECTOR_PARAMS, ...options.params };
  const gates = options.gates ?? DEFAULT_GATE_THRESHOLDS;
  // Resolved now, so a bad parameter fails when the graph loads, naming the parameter.
  resolveGbdtParams(params);
  return defineAsset({
    key: FRAUD_DETECTOR_KEY,
    group: "models",
    tags: ["fraud", "ml"],
    description: "Gradient-boosted fraud model: partition D trains on silver D-30..D-2, " +
      "validates on D-1, exports ONNX and becomes champion when every gate passes.",
    // From the day after silver's first: the first day has no day before it to validate on.
    partitions: dayAfterStart(silver.partitions),
    deps: [
      dep(silver, windowDays(WINDOW_DAYS, { lagDays: 1 })),
      dep(alerts, windowDays(1, { lagDays: 1 })),
    ],
    checks: [onnxParityCheck(silver), promotionGatesCheck()],
    codeVersion: hashParts([
      ...SOURCE_FILES.map((file) =>
        Deno.readTextFileSync(fileURLToPath(new URL(file, import.meta.url)))
      ),
      JSON.stringify(params),
      JSON.stringify(gates),
    ]),
    // Training is minutes at most; a retry after losing the champion race reuses the model.
    timeoutMs: 30 * 60_000,
    retry: { maxAttempts: 3 },
    async materialize(ctx) {
      return await withDuckDb(ctx, (db) => trainPartition(ctx, db, silver, alerts, params, gates));
    },
  });
}

async function withDuckDb<T>(
  ctx: { readonly resources: { duckdb?: DuckDb } },
  work: (db: DuckDb) => Promise<T>,
): Promise<T> {
  const shared = ctx.resources.duckdb;
  const db = shared ?? await openDuckDb({ threads: 1 });
  try {
    return await work(db);
  } finally {
    if (shared === undefined) db.close();
  }
}

/** Daily partitions like `partitions`, from the day after their first. */
function dayAfterStart(partitions: PartitionsDefinition): PartitionsDefinition {
  if (!(partitions instanceof DailyPartitions)) {
    throw new DefinitionError(
      `Cannot partition ${FRAUD_DETECTOR_KEY} like its silver input: expected daily partitions, got ${partitions.describe()}`,
      FRAUD_DETECTOR_KEY,
    );
  }
  return daily({
    start: partitions.keyOf(partitions.startDay + 1),
    ...(partitions.endDay !== undefined && { end: partitions.keyOf(partitions.endDay) }),
    timezone: partitions.timezone,
  });
}

/** The day before `day` (`YYYY-MM-DD`). */
export function dayBefore(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

function dataFiles(inputs: readonly UpstreamPartition[]): string[] {
  return inputFiles(inputs, DATA_FILE).filter((file) => existsSync(file));
}

/** The rules' score of each validation row, joined from gold.fraud_alerts (0 when no rule fired). */
function rulesScore(
  alertFiles: readonly string[],
): FeatureRowsOptions & { readonly extra: string } {
  return alertFiles.length === 0 ? { extra: "0" } : {
    join: `LEFT JOIN ${parquetList(alertFiles)} a ON a.order_id = o.order_id`,
    extra: "coalesce(a.score, 0)",
  };
}

/** The last training, kept so a retry after losing the promotion race does not train again. */
let lastTraining: { readonly key: string; readonly result: TrainResult } | undefined;

async function trainPartition(
  ctx: MaterializeContext,
  db: DuckDb,
  silver: AssetDefinition,
  alerts: AssetDefinition,
  overrides: Partial<GbdtParams>,
  thresholds: GateThresholds,
): Promise<{
  rows: number;
  metadata: Readonly<Record<string, JsonValue>>;
  moveAlias?: { alias: string; reason: string; expectedFrom: string | null };
}> {
  const validationDay = dayBefore(ctx.partition);
  const windowInputs = ctx.input(silver);
  const trainFiles = dataFiles(windowInputs.filter((input) => input.partition !== validationDay));
  const validationFiles = dataFiles(
    windowInputs.filter((input) => input.partition === validationDay),
  );
  const alertFiles = dataFiles(ctx.input(alerts));
  // Counted first from the label and day columns alone: a window too small to train on (the
  // first days, a single landed day) is told apart without loading every row's 25 features,
  // which on a large validation day cost seconds for a step that then trained nothing.
  const trainCounts = await countFeatureRows(db, trainFiles);
  const validationCounts = await countFeatureRows(db, validationFiles);
  const trainingFacts = {
    rows: trainCounts.rows,
    positives: trainCounts.positives,
    days: trainCounts.days,
  };
  const validationFacts = {
    day: validationDay,
    rows: validationCounts.rows,
    positives: validationCounts.positives,
  };
  const champion = await ctx.aliasTarget(CHAMPION);

  const untrainable = whyNotTrainable(trainCounts, validationCounts, thresholds);
  if (untrainable !== undefined) {
    ctx.log.info(`not trained: ${untrainable}`);
    // The rules' figures on the validation day still go in the report: its labels and the
    // rules' scores are all they need.
    const baseline = validationCounts.rows === 0
      ? undefined
      : await readLabelledScores(db, validationFiles, rulesScore(alertFiles));
    const rulesBaseline = baseline &&
      evaluateScores(baseline.scores, baseline.labels, { targetPrecision: 0.9 });
    const gateResult = evaluateGates(
      {
        rocAuc: NaN,
        precision: 0,
        recall: 0,
        featureCount: FEATURE_NAMES.length,
        trainingRows: trainCounts.rows,
      },
      undefined,
      thresholds,
    );
    const report: ModelReport = {
      format: MODEL_REPORT_FORMAT,
      trained: false,
      notTrained: untrainable,
      training: trainingFacts,
      validation: validationFacts,
      ...(rulesBaseline && { rulesBaseline: rulesBaseline }),
      gates: gateResult,
      promotion: { promoted: false, detail: `not promoted: no model (${untrainable})` },
    };
    await writeJson(ctx, MODEL_FILES.report, report);
    return { rows: 0, metadata: asJson(report) };
  }

  const train = await readFeatureRows(db, trainFiles);
  const validation = await readFeatureRows(db, validationFiles, rulesScore(alertFiles));
  const labels = validation.data.labels;
  const rulesBaseline = evaluateScores(validation.extra, labels, { targetPrecision: 0.9 });
  const profiles = featureProfiles(train.data, FEATURE_NAMES);
  const inputVersions = windowInputs.map((input) => `${input.partition}=${input.dataVersion}`);
  const result = await trainOnce(
    ctx,
    inputVersions.join(","),
    train.data,
    validation.data,
    overrides,
  );
  const model = result.model;
  const probabilities = predictBatch(model, validation.data.features, validation.data.rows);
  const metrics = evaluateScores(probabilities, labels, { threshold: model.threshold });
  const championFigures = await championOnSameDay(ctx, champion, validation.data);
  const gateResult = evaluateGates(
    {
      rocAuc: metrics.rocAuc ?? NaN,
      precision: metrics.precision,
      recall: metrics.recall,
      featureCount: model.featureNames.length,
      trainingRows: train.data.rows,
    },
    championFigures?.figures,
    thresholds,
  );
  const promotion = promotionDecision(ctx.partition, gateResult, champion, metrics);
  const report: ModelReport = {
    format: MODEL_REPORT_FORMAT,
    trained: true,
    training: trainingFacts,
    validation: validationFacts,
    model: {
      trees: model.trees.length,
      bestRound: result.bestRound,
      roundsRun: result.roundsRun,
      stoppedEarly: result.stoppedEarly,
      threshold: model.threshold,
      featureCount: model.featureNames.length,
      params: { ...result.params, featureNames: undefined },
    },
    metrics,
    importance: featureImportance(model),
    ...(rulesBaseline && { rulesBaseline: rulesBaseline }),
    ...(championFigures && { champion: championFigures.stored }),
    gates: gateResult,
    promotion: { promoted: promotion.promote, detail: promotion.detail },
  };
  await writeJson(ctx, MODEL_FILES.model, model);
  await Deno.writeFile(`${ctx.output.dir}/${MODEL_FILES.onnx}`, exportOnnx(model));
  await writeJson(ctx, MODEL_FILES.profile, profiles);
  await writeJson(ctx, MODEL_FILES.report, report);
  ctx.log.info(
    `validation ROC-AUC ${figure(metrics.rocAuc)} (rules ${figure(rulesBaseline?.rocAuc)}), ` +
      `${gateResult.summary}; ${promotion.detail}`,
  );
  return {
    rows: train.data.rows,
    metadata: asJson(report),
    ...(promotion.promote && {
      moveAlias: {
        alias: CHAMPION,
        reason: promotion.detail,
        expectedFrom: champion?.materializationId ?? null,
      },
    }),
  };
}

/** Why no model can be trained on these rows, or undefined when one can. */
function whyNotTrainable(
  train: FeatureRowCounts,
  validation: FeatureRowCounts,
  thresholds: GateThresholds,
): string | undefined {
  if (train.rows < thresholds.minTrainingRows) {
    return `the window holds ${train.rows} training rows, fewer than the ${thresholds.minTrainingRows} the row gate asks for`;
  }
  const positives = train.positives;
  if (positives === 0 || positives === train.rows) {
    return `the ${train.rows} training rows are all of one class`;
  }
  if (validation.rows === 0) return "the validation day holds no orders";
  return undefined;
}

/** Trains in the trainer's worker, or reuses the same partition's training from a failed attempt. */
async function trainOnce(
  ctx: MaterializeContext,
  inputVersions: string,
  train: TrainingData,
  validation: TrainingData,
  overrides: Partial<GbdtParams>,
): Promise<TrainResult> {
  const inputsKey = JSON.stringify([ctx.key, ctx.partition, inputVersions, overrides]);
  if (lastTraining?.key === inputsKey) {
    ctx.log.info("reusing the model trained by the previous attempt");
    return lastTraining.result;
  }
  const started = performance.now();
  const result = await trainInWorker(
    train,
    // Copied: the validation rows are scored again after training.
    { ...validation, features: validation.features.slice(), labels: validation.labels.slice() },
    overrides,
    (log) => {
      if (log.round % 25 === 0) {
        ctx.log.debug(
          `round ${log.round}: train loss ${log.trainLoss.toFixed(5)}, validation loss ${
            log.validationLoss?.toFixed(5)
          }, AUC ${log.validationAuc?.toFixed(4)}`,
        );
      }
    },
  );
  ctx.log.info(
    `trained ${result.model.trees.length} trees on ${train.rows} rows in ${
      ((performance.now() - started) / 1000).toFixed(1)
    } s${result.stoppedEarly ? ` (stopped early after ${result.roundsRun} rounds)` : ""}`,
  );
  lastTraining = { key: inputsKey, result };
  return result;
}

/** The champion's ROC-AUC on this candidate's validation rows, when there is a champion. */
async function championOnSameDay(
  ctx: MaterializeContext,
  champion: AliasedVersion | undefined,
  validation: TrainingData,
): Promise<
  { figures: ChampionFigures | undefined; stored: NonNullable<ModelReport["champion"]> } | undefined
> {
  if (champion === undefined) return undefined;
  const version = versionLabel(champion.materializationId);
  const model = await readChampionModel(champion);
  if (model === undefined || model.featureNames.join(",") !== FEATURE_NAMES.join(",")) {
    ctx.log.warn(`champion ${version} cannot score these rows (no model or other features)`);
    return { figures: undefined, stored: { version, partition: champion.partition, rocAuc: null } };
  }
  const auc = rocAuc(predictBatch(model, validation.features, validation.rows), validation.labels);
  return {
    figures: { rocAuc: auc, version },
    stored: { version, partition: champion.partition, rocAuc: Number.isFinite(auc) ? auc : null },
  };
}

async function readChampionModel(champion: AliasedVersion): Promise<TreeModel | undefined> {
  const file = `${champion.parts[0]?.dir}/${MODEL_FILES.model}`;
  if (champion.parts.length === 0 || !existsSync(file)) return undefined;
  return JSON.parse(await Deno.readTextFile(file)) as TreeModel;
}

/**
 * Promote when every gate passed, unless the champion was trained for a later day: a backfilled
 * older partition never replaces a newer champion on its own (promote it by hand for that).
 */
function promotionDecision(
  partition: PartitionKey,
  gates: GateEvaluation,
  champion: AliasedVersion | undefined,
  metrics: ScoreEvaluation,
): { promote: boolean; detail: string } {
  if (!gates.passed) return { promote: false, detail: `not promoted: ${gates.summary}` };
  if (champion !== undefined && champion.partition > partition) {
    return {
      promote: false,
      detail: `not promoted: every gate passed, but champion ${
        versionLabel(champion.materializationId)
      } was trained for a later day (${champion.partition})`,
    };
  }
  return {
    promote: true,
    detail: `promoted: ${gates.summary} (ROC-AUC ${figure(metrics.rocAuc)}${
      champion === undefined
        ? ", first champion"
        : `, replacing ${versionLabel(champion.materializationId)}`
    })`,
  };
}

/** Fails when onnxruntime's probabilities differ from the trainer's by more than 1e-5 on D-1. */
function onnxParityCheck(silver: AssetDefinition): AssetCheck {
  return {
    name: "onnx_parity",
    severity: "error",
    description:
      `onnxruntime's probabilities equal the trainer's within ${ONNX_PARITY_TOLERANCE} on every validation row.`,
    async run(ctx) {
      const modelFile = `${ctx.output.dir}/${MODEL_FILES.model}`;
      if (!existsSync(modelFile)) return { passed: true, message: "no model was trained" };
      const model = JSON.parse(await Deno.readTextFile(modelFile)) as TreeModel;
      const onnx = await Deno.readFile(`${ctx.output.dir}/${MODEL_FILES.onnx}`);
      const validationDay = dayBefore(ctx.partition);
      const files = dataFiles(
        ctx.inputByKey(silver.key).filter((input) => input.partition === validationDay),
      );
      const rows = await withDuckDb(ctx, (db) => readFeatureRows(db, files));
      const parity = await onnxParity(model, onnx, rows.data.features, rows.data.rows);
      const detail = `max |onnxruntime - trainer| ${
        parity.maxAbsDiff.toExponential(2)
      } over ${parity.rows} rows of ${validationDay}`;
      if (parity.maxAbsDiff <= ONNX_PARITY_TOLERANCE) return { passed: true, message: detail };
      return {
        passed: false,
        message: `${detail} > ${ONNX_PARITY_TOLERANCE} (worst: order ${
          rows.orderIds[parity.worstRow]
        })`,
        failingRows: [{ order_id: rows.orderIds[parity.worstRow], diff: parity.maxAbsDiff }],
        failingCount: 1,
      };
    },
  };
}

/** Warns when a gate failed, naming the failing gates with their figures. */
function promotionGatesCheck(): AssetCheck {
  return {
    name: "promotion_gates",
    severity: "warn",
    description:
      "Every promotion gate passed (models/gates.ts); the message names any that failed.",
    run(ctx) {
      const report = modelReportOf(ctx.metadata);
      if (report === undefined) {
        return Promise.resolve({
          passed: false,
          message: "the materialization holds no model report",
        });
      }
      const failing = report.gates.gates.filter((gate) => !gate.passed);
      return Promise.resolve({
        passed: report.gates.passed,
        message: report.gates.passed
          ? report.promotion.detail
          : `${report.gates.summary}; champion stays`,
        ...(failing.length > 0 && {
          failingRows: failing.map((gate) => ({
            gate: gate.name,
            figure: gate.figure,
            bound: gate.bound,
            detail: gate.detail,
          })),
          failingCount: failing.length,
        }),
      });
    },
  };
}

/** A plain JSON copy: NaN becomes null and undefined fields go, as the store keeps them. */
function asJson(value: unknown): Readonly<Record<string, JsonValue>> {
  return JSON.parse(JSON.stringify(value));
}

async function writeJson(ctx: MaterializeContext, name: string, value: unknown): Promise<void> {
  await Deno.writeTextFile(`${ctx.output.dir}/${name}`, JSON.stringify(value));
}

function figure(value: number | null | undefined): string {
  return value === null || value === undefined ? "n/a" : value.toFixed(4);
}
