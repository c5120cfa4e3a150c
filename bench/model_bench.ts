// The fraud model benchmark: the same training and validation rows, written once, trained by
// Sluice's GBDT (in a worker, as the asset trains) and by XGBoost `tree_method=hist` (a venv the
// bench creates, pinned), alternating, 3+ runs; training time, peak RSS and validation AUC of
// both with the ratios; then the model the asset ships (its settings with early stopping) beside
// the earlier settings', and onnxruntime batch scoring of the shipped model's export, Node and
// Python, over intra-op threads and batch sizes, beside XGBoost's inplace_predict on as many
// trees, and what bounds the scoring rate.
//
// The rows are silver.orders_enriched as models.fraud_detector reads them (bench/model_bench_rows.ts:
// 31 days at the generator's default rate, built once in ~/.cache/sluice-bench/); --synthetic
// trains on seeded synthetic rows instead.
//
//   deno run -A bench/model_bench.ts [--runs 3] [--rounds 200] [--batches 65536,262144]
//     [--threads 1,2] [--synthetic [--rows 250000]]
import { parseArgs } from "node:util";
import { homedir, tmpdir } from "node:os";
import process from "node:process";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { FRAUD_DETECTOR_PARAMS } from "../assets/fraud_detector.ts";
import { FEATURE_NAMES } from "../models/features.ts";
import { type GbdtParams, resolveGbdtParams } from "../models/gbdt_params.ts";
import { rocAuc } from "../models/metrics.ts";
import { exportOnnx } from "../models/onnx_export.ts";
import { onnxParity } from "../models/onnx_parity.ts";
import { SeededRandom } from "../models/seeded_random.ts";
import { trainInWorker } from "../models/train_worker.ts";
import { createTrainingData, type TrainingData } from "../models/training_data.ts";
import type { TreeModel } from "../models/tree_model.ts";
import { predictBatch } from "../models/tree_predict.ts";
import {
  DEFAULT_REAL_ROWS,
  loadRealRows,
  readRowFiles,
  writeRowFiles,
} from "./model_bench_rows.ts";

const BENCH_DIR = new URL(".", import.meta.url).pathname;
const REPO_DIR = join(BENCH_DIR, "..");
const VENV_DIR = join(homedir(), ".cache", "sluice-bench", "venv");
const REQUIREMENTS = join(BENCH_DIR, "python", "requirements.txt");

// ---------------------------------------------------------------------------------------------
// The rows

export interface BenchRows {
  readonly train: TrainingData;
  readonly validation: TrainingData;
  readonly description: string;
}

/**
 * With --synthetic: a seeded synthetic, fraud-like set (about 3% positives; counts, ratios, 0/1
 * flags, skewed amounts, some missing values; fraud that imitates habits, legitimate travellers
 * on VPNs, label noise) in the 25 contract features' order: `trainRows` rows for training, one
 * "day" (trainRows / 29) for validation. The default is the real rows (model_bench_rows.ts).
 */
export function syntheticBenchRows(trainRows = 250_000, seed = 2026): BenchRows {
  const validationRows = Math.round(trainRows / 29);
  return {
    train: syntheticFraudRows(trainRows, seed),
    validation: syntheticFraudRows(validationRows, seed + 1),
    description:
      `synthetic fraud-like rows (seed ${seed}): ${trainRows} training, ${validationRows} validation`,
  };
}

/** One synthetic day's worth of rows; see syntheticBenchRows. */
function syntheticFraudRows(rows: number, seed: number): TrainingData {
  const random = new SeededRandom(seed);
  const u = () => random.nextFloat();
  const chance = (p: number) => (u() < p ? 1 : 0);
  const normal = () => {
    // Irwin-Hall: close enough to normal for feature noise, and cheap.
    let sum = 0;
    for (let i = 0; i < 12; i++) sum += u();
    return sum - 6;
  };
  const poisson = (mean: number) => {
    const limit = Math.exp(-mean);
    let k = 0;
    let p = u();
    while (p > limit) {
      k++;
      p *= u();
    }
    return k;
  };
  const at = Object.fromEntries(FEATURE_NAMES.map((name, index) => [name, index]));
  const width = FEATURE_NAMES.length;
  const features = new Float32Array(rows * width);
  const labels = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    const fraud = u() < 0.03;
    // A quarter of fraud imitates the account's habits; some honest users travel and use VPNs.
    const blatant = fraud && u() < 0.75;
    const traveller = !fraud && u() < 0.06;
    const set = (name: string, value: number) => (features[i * width + at[name]] = value);
    const v1 = poisson(blatant ? 1.4 : fraud ? 0.3 : 0.1);
    const v24 = v1 + poisson(blatant ? 2.5 : 1.0);
    const v7 = v24 + poisson(4);
    set("velocity_1h", v1);
    set("velocity_24h", v24);
    set("velocity_7d", v7);
    const amount = Math.exp((blatant ? 4.5 : fraud ? 4.0 : 3.7) + 0.9 * normal());
    set("amount_usd", Math.round(amount * 100) / 100);
    const history = u() < 0.85;
    const vsAverage = history ? Math.exp((blatant ? 0.9 : fraud ? 0.3 : 0) + 0.4 * normal()) : 1;
    set("amount_vs_user_avg", vsAverage);
    set("amount_vs_user_p95", history ? vsAverage * (0.5 + 0.2 * u()) : 1);
    const newAccount = blatant ? u() < 0.5 : u() < 0.04;
    set("account_age_days", Math.floor(-Math.log(1 - u()) * (newAccount ? 6 : 420)));
    const chargebacks = poisson(blatant ? 0.25 : 0.01);
    set("chargeback_count", chargebacks);
    set("chargeback_rate", chargebacks / (v7 + 1));
    set("refund_count_30d", poisson(blatant ? 0.6 : 0.25));
    set("fraud_refund_count", poisson(blatant ? 0.25 : 0.03));
    set("vpn_detected", chance(blatant ? 0.4 : traveller ? 0.5 : fraud ? 0.1 : 0.04));
    set("proxy_detected", chance(blatant ? 0.15 : 0.01));
    set("tor_detected", chance(blatant ? 0.06 : 0.002));
    set("bot_detected", chance(blatant ? 0.12 : 0.01));
    set("device_count_30d", u() < 0.03 ? NaN : 1 + poisson(blatant ? 1.4 : 0.3));
    set("geo_mismatch", chance(blatant ? 0.45 : traveller ? 0.6 : fraud ? 0.15 : 0.06));
    const highRisk = chance(blatant ? 0.3 : traveller ? 0.15 : 0.05);
    set("is_high_risk_country", highRisk);
    const countryRisk = Math.min(1, 0.1 + 0.2 * u() + 0.45 * highRisk);
    set("country_risk_score", u() < 0.01 ? NaN : countryRisk);
    const paymentRisk = Math.min(
      1,
      Math.max(0, (blatant ? 0.5 : fraud ? 0.3 : 0.2) + 0.15 * normal()),
    );
    set("payment_risk_score", u() < 0.02 ? NaN : paymentRisk);
    set("is_3ds_authenticated", chance(blatant ? 0.3 : 0.65));
    const risk = Math.max(paymentRisk, countryRisk);
    set("risk_tier_encoded", risk >= 0.7 ? 2 : risk >= 0.4 ? 1 : 0);
    const night = blatant ? u() < 0.4 : u() < 0.08;
    set("hour_of_day", night ? Math.floor(6 * u()) : 6 + Math.floor(18 * u()));
    const day = 1 + Math.floor(7 * u());
    set("day_of_week", day);
    set("is_weekend", day >= 6 ? 1 : 0);
    // Label noise: 2% of fraud is never reported, 0.1% of honest orders are disputed anyway.
    labels[i] = fraud ? (u() < 0.02 ? 0 : 1) : u() < 0.001 ? 1 : 0;
  }
  return createTrainingData({ features, labels });
}

// ---------------------------------------------------------------------------------------------
// The shared parameters and the files both engines read

interface BenchParams {
  readonly features: number;
  readonly rounds: number;
  readonly maxDepth: number;
  readonly learningRate: number;
  readonly lambda: number;
  readonly gamma: number;
  readonly minChildWeight: number;
  readonly scalePosWeight: number;
  readonly maxBins: number;
  readonly threads: number;
  readonly seed: number;
  /** XGBoost's base_score (a probability): the same start as ours, log-odds of the rate. */
  readonly baseProbability: number;
  /** Trees XGBoost predicts with when timed: as many as the model the asset ships keeps. */
  readonly predictTrees: number;
}

/**
 * The asset's own settings (FRAUD_DETECTOR_PARAMS over the trainer's defaults: depth, learning
 * rate, L2, min child weight, class weight), the rounds fixed for both (no early stopping), two
 * threads.
 */
function benchParams(train: TrainingData, rounds: number, predictTrees: number): BenchParams {
  const asset = resolveGbdtParams({ ...FRAUD_DETECTOR_PARAMS, rounds, threads: 2 });
  let positives = 0;
  for (const label of train.labels) positives += label;
  const weighted = asset.scalePosWeight * positives;
  return {
    features: train.featureCount,
    rounds: asset.rounds,
    maxDepth: asset.maxDepth,
    learningRate: asset.learningRate,
    lambda: asset.lambda,
    gamma: asset.gamma,
    minChildWeight: asset.minChildWeight,
    scalePosWeight: asset.scalePosWeight,
    maxBins: asset.maxBins,
    threads: asset.threads,
    seed: asset.seed,
    baseProbability: weighted / (weighted + train.rows - positives),
    predictTrees,
  };
}

function ourParams(params: BenchParams): Partial<GbdtParams> {
  const { rounds, maxDepth, learningRate, lambda, gamma, minChildWeight } = params;
  return {
    ...FRAUD_DETECTOR_PARAMS,
    rounds,
    maxDepth,
    learningRate,
    lambda,
    gamma,
    minChildWeight,
    scalePosWeight: params.scalePosWeight,
    maxBins: params.maxBins,
    threads: params.threads,
    seed: params.seed,
    // Same rounds for both: no early stopping in the timing comparison.
    earlyStoppingRounds: 0,
  };
}

/**
 * The fraud model's settings before 2026-12-02 (depth 6, eta 0.1, up to 200 rounds): the bench
 * trains them beside the asset's to show what the smaller model costs in AUC and gains in
 * scoring speed (the choice is argued at FRAUD_DETECTOR_PARAMS).
 */
const PREVIOUS_PARAMS: Partial<GbdtParams> = {
  ...FRAUD_DETECTOR_PARAMS,
  rounds: 200,
  maxDepth: 6,
  learningRate: 0.1,
};

/** A model trained as the asset trains (early stopping on the validation rows), and its AUC. */
interface ShippedModel {
  readonly model: TreeModel;
  readonly auc: number;
  readonly seconds: number;
}

/** Trains `params` with early stopping in a worker, the rows copied (the caller keeps them). */
async function trainAsAsset(rows: BenchRows, params: Partial<GbdtParams>): Promise<ShippedModel> {
  const start = performance.now();
  const { model } = await trainInWorker(
    rows.train,
    rows.validation,
    { ...params, threads: 2 },
    () => {},
    {
      transfer: false,
    },
  );
  const seconds = (performance.now() - start) / 1000;
  const scores = predictBatch(model, rows.validation.features, rows.validation.rows);
  return { model, auc: rocAuc(scores, rows.validation.labels), seconds };
}

function describeParams(params: Partial<GbdtParams>): string {
  return `depth ${params.maxDepth}, eta ${params.learningRate}, <= ${params.rounds} rounds, early stopping after ${params.earlyStoppingRounds}`;
}

/** The rows both engines read, written once per bench run, and the shared parameters. */
async function writeRows(dir: string, rows: BenchRows, params: BenchParams): Promise<void> {
  await writeRowFiles(dir, "train", rows.train);
  await writeRowFiles(dir, "validation", rows.validation);
  await Deno.writeTextFile(join(dir, "params.json"), JSON.stringify(params));
}

// ---------------------------------------------------------------------------------------------
// One training run of each engine, each in its own process (so peak RSS is its own)

interface TrainReport {
  readonly engine: string;
  readonly trainSeconds: number;
  /** CPU time of every thread of the process while training: less sensitive to a busy machine. */
  readonly trainCpuSeconds: number;
  readonly validationAuc: number;
  readonly trees: number;
  readonly peakRssMiB: number;
  readonly predictRowsPerSecond?: number;
}

function peakRssMiB(): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  const kib = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kib / 1024;
}

/** The child process's side: read the rows, train in a worker, report. */
async function trainChild(dir: string): Promise<void> {
  const params = JSON.parse(await Deno.readTextFile(join(dir, "params.json"))) as BenchParams;
  const train = await readRowFiles(dir, "train", params.features);
  const validation = await readRowFiles(dir, "validation", params.features);
  const labels = validation.labels.slice();
  const validationFeatures = validation.features.slice();
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const result = await trainInWorker(train, validation, ourParams(params));
  const trainSeconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const scores = predictBatch(result.model, validationFeatures, labels.length);
  const report: TrainReport = {
    engine: `sluice gbdt (deno ${Deno.version.deno})`,
    trainSeconds,
    trainCpuSeconds: (cpu.user + cpu.system) / 1e6,
    validationAuc: rocAuc(scores, labels),
    trees: result.model.trees.length,
    peakRssMiB: peakRssMiB(),
  };
  console.log(JSON.stringify(report));
}

async function runJson(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<TrainReport> {
  const output = await new Deno.Command(command, {
    args,
    env,
    cwd: REPO_DIR,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout).trim();
  if (!output.success) {
    throw new Error(
      `${command} ${args.join(" ")} failed (exit ${output.code}): ${
        new TextDecoder().decode(output.stderr)
      }`,
    );
  }
  return JSON.parse(stdout.split("\n").at(-1)!);
}

const trainOurs = (dir: string) =>
  runJson(Deno.execPath(), [
    "run",
    "-A",
    "--quiet",
    join(BENCH_DIR, "model_bench.ts"),
    "--train-child",
    dir,
  ]);

/**
 * XGBoost's OpenMP threads spin while they wait by default, which on a machine busy with other
 * work costs it several times its quiet time; `OMP_WAIT_POLICY=PASSIVE` makes them sleep. The
 * bench runs both and holds us to the faster one.
 */
type WaitPolicy = "active" | "passive";

const trainXgboost = async (python: string, dir: string, policy: WaitPolicy) => {
  const report = await runJson(python, [join(BENCH_DIR, "python", "xgb_train.py"), dir], {
    OMP_WAIT_POLICY: policy.toUpperCase(),
  });
  return { ...report, engine: `${report.engine} (OMP ${policy})` };
};

// ---------------------------------------------------------------------------------------------
// The venv

/** The venv's python, created (or re-created when the pins changed) from requirements.txt. */
async function ensureVenv(): Promise<string> {
  const python = join(VENV_DIR, "bin", "python");
  const marker = join(VENV_DIR, "sluice-requirements.txt");
  const wanted = await Deno.readTextFile(REQUIREMENTS);
  const installed = await Deno.readTextFile(marker).catch(() => "");
  if (installed === wanted) return python;
  console.log(`creating ${VENV_DIR} from bench/python/requirements.txt ...`);
  await Deno.remove(VENV_DIR, { recursive: true }).catch(() => {});
  for (
    const [command, args] of [
      ["python3", ["-m", "venv", VENV_DIR]],
      [python, ["-m", "pip", "install", "--quiet", "--no-deps", "-r", REQUIREMENTS]],
    ] as const
  ) {
    const result = await new Deno.Command(command, { args: [...args] }).output();
    if (!result.success) {
      throw new Error(
        `Cannot create the bench venv as '${command} ${args.join(" ")}' failed: ${
          new TextDecoder().decode(result.stderr)
        }`,
      );
    }
  }
  await Deno.writeTextFile(marker, wanted);
  return python;
}

// ---------------------------------------------------------------------------------------------
// Scoring with onnxruntime

/** Rows scored per timed pass at least (whole batches); five passes, the median reported. */
const PASS_ROWS = 262_144;

/** One scoring setting: intra-op threads, rows per batch, whether idle pool threads spin. */
interface ScoreSetting {
  readonly threads: number;
  readonly batch: number;
  readonly spinning: boolean;
}

/** Scoring speed: rows per second of wall time, and per second of CPU time (all threads). */
interface ScoreRate {
  readonly engine: string;
  readonly setting: ScoreSetting;
  readonly rowsPerSecond: number;
  readonly rowsPerCpuSecond: number;
}

function describeSetting(setting: ScoreSetting): string {
  return `${setting.threads} thread${setting.threads === 1 ? "" : "s"}, batch ${setting.batch}${
    setting.threads > 1 ? `, spinning ${setting.spinning ? "on" : "off"}` : ""
  }`;
}

/** `batch` rows: the validation rows repeated until the batch is full. */
function tiledBatch(validation: TrainingData, batch: number): Float32Array {
  const rows = new Float32Array(batch * validation.featureCount);
  for (let offset = 0; offset < rows.length; offset += validation.features.length) {
    rows.set(
      validation.features.subarray(0, Math.min(validation.features.length, rows.length - offset)),
      offset,
    );
  }
  return rows;
}

/** The settings tried: each thread count and batch; spinning on and off when threads > 1. */
function scoreSettings(threads: readonly number[], batches: readonly number[]): ScoreSetting[] {
  return threads.flatMap((t) =>
    batches.flatMap((batch) =>
      t === 1
        ? [{ threads: t, batch, spinning: false }]
        : [{ threads: t, batch, spinning: true }, { threads: t, batch, spinning: false }]
    )
  );
}

/** onnxruntime-node: one session per setting, a warm-up run, then five timed passes. */
async function scoreNode(
  bytes: Uint8Array,
  validation: TrainingData,
  setting: ScoreSetting,
): Promise<ScoreRate> {
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: setting.threads,
    interOpNumThreads: 1,
    executionMode: "sequential",
    extra: { session: { intra_op: { allow_spinning: setting.spinning ? "1" : "0" } } },
  });
  const input = new ort.Tensor("float32", tiledBatch(validation, setting.batch), [
    setting.batch,
    validation.featureCount,
  ]);
  const batches = Math.max(1, Math.ceil(PASS_ROWS / setting.batch));
  await session.run({ features: input });
  const rates: number[] = [];
  const cpuRates: number[] = [];
  for (let pass = 0; pass < 5; pass++) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (let b = 0; b < batches; b++) await session.run({ features: input });
    const used = process.cpuUsage(cpu);
    rates.push((batches * setting.batch) / ((performance.now() - start) / 1000));
    cpuRates.push((batches * setting.batch) / ((used.user + used.system) / 1e6));
  }
  await session.release();
  return {
    engine: "onnxruntime-node",
    setting,
    rowsPerSecond: median(rates),
    rowsPerCpuSecond: median(cpuRates),
  };
}

/** onnxruntime (Python) on the same file, rows and setting. */
async function scorePython(
  python: string,
  onnxFile: string,
  dir: string,
  features: number,
  setting: ScoreSetting,
): Promise<ScoreRate> {
  const output = await new Deno.Command(python, {
    args: [
      join(BENCH_DIR, "python", "ort_score.py"),
      onnxFile,
      dir,
      String(features),
      String(setting.batch),
      String(Math.max(1, Math.ceil(PASS_ROWS / setting.batch)) * setting.batch),
      setting.spinning ? "1" : "0",
      String(setting.threads),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(
      `bench/python/ort_score.py failed (exit ${output.code}): ${
        new TextDecoder().decode(output.stderr)
      }`,
    );
  }
  const report = JSON.parse(new TextDecoder().decode(output.stdout));
  return {
    engine: `onnxruntime ${report.version} Python`,
    setting,
    rowsPerSecond: report.rowsPerSecond,
    rowsPerCpuSecond: report.rowsPerCpuSecond,
  };
}

/** The model's size: trees, inner nodes (splits), and leaves. */
function modelSize(model: TreeModel): { trees: number; splits: number; leaves: number } {
  let splits = 0;
  let leaves = 0;
  for (const tree of model.trees) {
    for (const feature of tree.feature) feature >= 0 ? splits++ : leaves++;
  }
  return { trees: model.trees.length, splits, leaves };
}

/** The average number of splits a row passes through in one tree of the model. */
function meanPathLength(model: TreeModel, features: Float32Array, rows: number): number {
  const width = model.featureNames.length;
  let steps = 0;
  for (let r = 0; r < rows; r++) {
    const row = features.subarray(r * width, (r + 1) * width);
    for (const tree of model.trees) {
      let node = 0;
      while (tree.feature[node] >= 0) {
        const value = row[tree.feature[node]];
        node = value !== value
          ? (tree.missingLeft[node] ? tree.left[node] : tree.right[node])
          : value < tree.threshold[node]
          ? tree.left[node]
          : tree.right[node];
        steps++;
      }
    }
  }
  return steps / (rows * model.trees.length);
}

/** A model of the first `trees` trees (what an early stop at that round would have kept). */
function firstTrees(model: TreeModel, trees: number): TreeModel {
  return { ...model, trees: model.trees.slice(0, trees) };
}

// ---------------------------------------------------------------------------------------------
// The report

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function machine(): string {
  const cpu = /model name\s*:\s*(.+)/.exec(Deno.readTextFileSync("/proc/cpuinfo"))?.[1] ?? "?";
  return `${cpu}, ${navigator.hardwareConcurrency} cores, deno ${Deno.version.deno}`;
}

function loadAverage(): string {
  return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
}

const millions = (rate: number) => `${(rate / 1e6).toFixed(3)} M`;

function numberList(text: string, flag: string): number[] {
  const values = text.split(",").map((part) => Number(part.trim()));
  if (values.some((value) => !Number.isInteger(value) || value < 1)) {
    throw new Error(`--${flag} takes positive whole numbers joined by commas: got '${text}'`);
  }
  return values;
}

interface TrainSummary {
  readonly seconds: number;
  readonly cpu: number;
  readonly rss: number;
  readonly auc: number;
}

function summarize(reports: readonly TrainReport[]): TrainSummary {
  return {
    seconds: median(reports.map((report) => report.trainSeconds)),
    cpu: median(reports.map((report) => report.trainCpuSeconds)),
    rss: median(reports.map((report) => report.peakRssMiB)),
    auc: median(reports.map((report) => report.validationAuc)),
  };
}

/** Trains both engines `runs` times, alternating who goes first; prints each run and medians. */
async function benchTraining(
  python: string,
  dir: string,
  runs: number,
): Promise<{ xgboost: TrainReport[] }> {
  const ours: TrainReport[] = [];
  const active: TrainReport[] = [];
  const passive: TrainReport[] = [];
  for (let run = 1; run <= runs; run++) {
    // Alternate who goes first, so neither always runs on a warmer (or busier) machine.
    const engines = ["ours", "active", "passive"] as const;
    const order = run % 2 === 1 ? engines : [...engines].reverse();
    for (const engine of order) {
      const report = engine === "ours"
        ? await trainOurs(dir)
        : await trainXgboost(python, dir, engine);
      ({ ours, active, passive })[engine].push(report);
      console.log(
        `  run ${run} ${report.engine}: ${report.trainSeconds.toFixed(2)} s (CPU ${
          report.trainCpuSeconds.toFixed(2)
        } s), peak RSS ${report.peakRssMiB.toFixed(0)} MiB, validation AUC ${
          report.validationAuc.toFixed(5)
        }, ${report.trees} trees; load ${loadAverage()}`,
      );
    }
  }
  const a = summarize(ours);
  const [activeSummary, passiveSummary] = [summarize(active), summarize(passive)];
  const policy = activeSummary.seconds <= passiveSummary.seconds ? "active" : "passive";
  const b = policy === "active" ? activeSummary : passiveSummary;
  console.log(
    `\nXGBoost medians: OMP active ${activeSummary.seconds.toFixed(2)} s, passive ${
      passiveSummary.seconds.toFixed(2)
    } s; compared with the faster (${policy})`,
  );
  console.log(`medians of ${runs} runs        sluice gbdt   xgboost hist   ratio`);
  console.log(
    `training time (s)         ${a.seconds.toFixed(2).padStart(11)}   ${
      b.seconds.toFixed(2).padStart(12)
    }   ${(a.seconds / b.seconds).toFixed(2)}x   (target <= 2x)`,
  );
  console.log(
    `training CPU time (s)     ${a.cpu.toFixed(2).padStart(11)}   ${
      b.cpu.toFixed(2).padStart(12)
    }   ${(a.cpu / b.cpu).toFixed(2)}x   (all threads; less sensitive to a busy machine)`,
  );
  console.log(
    `peak RSS (MiB)            ${a.rss.toFixed(0).padStart(11)}   ${
      b.rss.toFixed(0).padStart(12)
    }   ${(a.rss / b.rss).toFixed(2)}x   (whole process: deno + worker / python + numpy)`,
  );
  console.log(
    `validation ROC-AUC        ${a.auc.toFixed(5).padStart(11)}   ${
      b.auc.toFixed(5).padStart(12)
    }   ${(a.auc - b.auc >= 0 ? "+" : "") + (a.auc - b.auc).toFixed(5)}   (target within 0.005)`,
  );
  return { xgboost: policy === "active" ? active : passive };
}

/** Scores the exported model in every setting, Node and Python; prints them and the bounds. */
async function benchScoring(
  python: string,
  dir: string,
  model: TreeModel,
  validation: TrainingData,
  settings: readonly ScoreSetting[],
  xgboost: readonly TrainReport[],
  previous: ShippedModel,
): Promise<void> {
  const bytes = exportOnnx(model);
  const onnxFile = join(dir, "model.onnx");
  await Deno.writeFile(onnxFile, bytes);
  const parity = await onnxParity(model, bytes, validation.features, validation.rows);
  const size = modelSize(model);
  const path = meanPathLength(model, validation.features, Math.min(validation.rows, 2_000));
  console.log(
    `\nscoring the exported ONNX (${size.trees} trees, ${size.splits} splits, ${size.leaves} leaves, ${
      path.toFixed(2)
    } splits per row and tree, ${bytes.length} bytes) on the ${validation.rows} validation rows ` +
      `repeated to fill each batch; one session per setting, a warm-up run, then the median of ` +
      `5 timed passes of >= ${PASS_ROWS} rows (whole batches, the same input tensor each run):`,
  );
  const rates: ScoreRate[] = [];
  for (const setting of settings) {
    // Node and Python back to back in each setting, so both see about the same machine load.
    for (const engine of ["node", "python"] as const) {
      const rate = engine === "node"
        ? await scoreNode(bytes, validation, setting)
        : await scorePython(python, onnxFile, dir, validation.featureCount, setting);
      rates.push(rate);
      console.log(
        `  ${rate.engine.padEnd(28)} ${describeSetting(setting).padEnd(38)} ${
          millions(rate.rowsPerSecond)
        } rows/s   ${millions(rate.rowsPerCpuSecond)} rows per CPU-second   load ${loadAverage()}`,
      );
    }
  }
  const cpu = process.cpuUsage();
  const tsStart = performance.now();
  predictBatch(model, validation.features, validation.rows);
  const tsUsed = process.cpuUsage(cpu);
  console.log(
    `  ${"TypeScript predictBatch".padEnd(28)} ${"1 thread (the trainer's)".padEnd(38)} ${
      millions(validation.rows / ((performance.now() - tsStart) / 1000))
    } rows/s   ${
      millions(validation.rows / ((tsUsed.user + tsUsed.system) / 1e6))
    } rows per CPU-second`,
  );
  const xgbPredict = median(xgboost.map((report) => report.predictRowsPerSecond ?? NaN));
  console.log(
    `  ${"xgboost inplace_predict".padEnd(28)} ${
      `2 threads, 1M rows, first ${model.trees.length} trees`.padEnd(38)
    } ${millions(xgbPredict)} rows/s`,
  );
  const node = rates.filter((rate) => rate.engine === "onnxruntime-node");
  const best = node.reduce((a, b) => (b.rowsPerSecond > a.rowsPerSecond ? b : a));
  console.log(
    `  onnxruntime-node, best setting (${describeSetting(best.setting)}): ${
      millions(best.rowsPerSecond)
    } rows/s   (target >= 1.000 M rows/s: ${best.rowsPerSecond >= 1e6 ? "met" : "NOT met"})`,
  );
  console.log(
    `  ONNX parity on ${parity.rows} validation rows: max |p_onnx - p_ts| = ${
      parity.maxAbsDiff.toExponential(2)
    }`,
  );
  const before = await scoreNode(exportOnnx(previous.model), validation, best.setting);
  console.log(
    `  the earlier settings' model (${previous.model.trees.length} trees), same setting:   ${
      millions(before.rowsPerSecond)
    } rows/s   ${millions(before.rowsPerCpuSecond)} rows per CPU-second   load ${loadAverage()}`,
  );
  await whatBoundsScoring(model, validation, best);
}

/**
 * What the scoring rate is made of: the best setting with the first 25..all trees (the rate
 * scales as 1/trees when walking trees is the cost), nanoseconds per tree and per split visited,
 * of wall time per thread and of CPU time (the machine's other work shows as the gap), and the
 * cores 1 M rows/s would take at the CPU cost measured.
 */
async function whatBoundsScoring(
  model: TreeModel,
  validation: TrainingData,
  best: ScoreRate,
): Promise<void> {
  console.log(`\nwhat bounds it (onnxruntime-node, ${describeSetting(best.setting)}):`);
  const counts = [25, 50, 100, model.trees.length].filter((count, index, all) =>
    count <= model.trees.length && all.indexOf(count) === index
  );
  let cpuNsPerRow = NaN;
  for (const trees of counts) {
    const truncated = firstTrees(model, trees);
    const rate = await scoreNode(exportOnnx(truncated), validation, best.setting);
    const visits = trees *
      meanPathLength(truncated, validation.features, Math.min(validation.rows, 2_000));
    const wallNs = (1e9 * best.setting.threads) / rate.rowsPerSecond;
    cpuNsPerRow = 1e9 / rate.rowsPerCpuSecond;
    console.log(
      `  first ${String(trees).padStart(3)} trees: ${millions(rate.rowsPerSecond)} rows/s, ` +
        `${millions(rate.rowsPerCpuSecond)} rows per CPU-second; per row ${
          (wallNs / 1000).toFixed(2)
        } us of a thread's wall time, ${(cpuNsPerRow / 1000).toFixed(2)} us CPU = ${
          (cpuNsPerRow / trees).toFixed(1)
        } ns CPU per tree, ${
          (cpuNsPerRow / visits).toFixed(2)
        } ns CPU per split visited; load ${loadAverage()}`,
    );
  }
  console.log(
    `  1 M rows/s with all ${model.trees.length} trees at ${
      (cpuNsPerRow / 1000).toFixed(2)
    } us CPU per row takes ${
      (cpuNsPerRow / 1000).toFixed(2)
    } cores' full time; this machine has ${navigator.hardwareConcurrency}, shared (load ${loadAverage()})`,
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      runs: { type: "string", default: "3" },
      synthetic: { type: "boolean", default: false },
      rows: { type: "string", default: "250000" },
      rounds: { type: "string", default: String(FRAUD_DETECTOR_PARAMS.rounds ?? 200) },
      batches: { type: "string", default: "65536,262144" },
      threads: { type: "string", default: "1,2" },
      "train-child": { type: "string" },
    },
  });
  if (values["train-child"] !== undefined) return await trainChild(values["train-child"]);
  const runs = Number(values.runs);
  const settings = scoreSettings(
    numberList(values.threads, "threads"),
    numberList(values.batches, "batches"),
  );

  console.log(`machine: ${machine()}; load average at start ${loadAverage()}`);
  const python = await ensureVenv();
  const rows: BenchRows = values.synthetic
    ? syntheticBenchRows(Number(values.rows))
    : await loadRealRows(DEFAULT_REAL_ROWS, REPO_DIR, (line) => console.log(line));
  // The model the asset would ship (its settings, early stopping) and the earlier settings' one.
  const shipped = await trainAsAsset(rows, FRAUD_DETECTOR_PARAMS);
  const previous = await trainAsAsset(rows, PREVIOUS_PARAMS);
  const params = benchParams(rows.train, Number(values.rounds), shipped.model.trees.length);
  const dir = await Deno.makeTempDir({ dir: tmpdir(), prefix: "sluice-model-bench-" });
  try {
    await writeRows(dir, rows, params);
    console.log(`rows: ${rows.description}; written once to ${dir}`);
    for (
      const [name, trained, settings] of [
        ["the asset's settings", shipped, FRAUD_DETECTOR_PARAMS],
        ["the earlier settings", previous, PREVIOUS_PARAMS],
      ] as const
    ) {
      console.log(
        `${name} (${
          describeParams(settings)
        }), trained as the asset trains: ${trained.model.trees.length} trees kept, validation ROC-AUC ${
          trained.auc.toFixed(5)
        }, ${trained.seconds.toFixed(1)} s; load ${loadAverage()}`,
      );
    }
    console.log(
      `  ROC-AUC of the asset's settings minus the earlier ones: ${
        (shipped.auc - previous.auc).toFixed(5)
      } (the bar for the change: no more than 0.002 lower)`,
    );
    console.log(
      `params (both, the asset's): ${params.rounds} rounds, no early stopping, depth ${params.maxDepth}, eta ${params.learningRate}, lambda ${params.lambda}, gamma ${params.gamma}, min_child_weight ${params.minChildWeight}, scale_pos_weight ${params.scalePosWeight}, max_bin ${params.maxBins}, ${params.threads} threads, validation loss and AUC every round`,
    );
    const { xgboost } = await benchTraining(python, dir, runs);
    // Scoring is of the model the asset ships, not of the fixed-rounds timing model.
    await benchScoring(python, dir, shipped.model, rows.validation, settings, xgboost, previous);
    console.log(`load average at end ${loadAverage()}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await main();
