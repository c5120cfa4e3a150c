// Sluice serve against FastAPI + uvicorn + onnxruntime, over real sockets on loopback, in one
// run: the same serving ONNX, the same request and response shapes, the same load generator.
// (a) open loop at 1,000 requests/s, latency from each request's scheduled time; (b) closed
// loop with 16 connections; (c) batches of 1,000 rows. Medians of --runs runs, then ratios.
//
// Cores: this machine has two. For (a) and (b) each server runs pinned to core 0 (taskset;
// onnxruntime with one intra-op thread), the Go load generator (standard library, built here
// with `go build`, with GOMAXPROCS=1) pinned to core 1, so the generator never takes the
// server's core. For (c) each server gets both cores and the same number of processes or
// workers (--batch-workers, default 2: Sluice with SLUICE_SERVE_BATCH_WORKERS=2, FastAPI with
// uvicorn --workers 2), each with one onnxruntime thread, while the generator stays on core 1:
// the servers share core 1 with it, and each run prints both cores' split between the server
// and everything else (the generator included). --batch-workers 0 runs (c) as (a) and (b).
//
//   deno run -A bench/serve_bench.ts [--runs 3] [--open-seconds 30] [--closed-seconds 15]
//                                    [--batch-seconds 15] [--batch-workers 2]
//                                    [--only sluice|fastapi] [--rounds N] [--nice=-10]
//                                    (--runs 0: only the in-process breakdown)
import { join } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { trainGbdt } from "../models/gbdt_trainer.ts";
import { exportOnnx } from "../models/onnx_export.ts";
import { trainingDataFromRows } from "../models/training_data.ts";
import type { TreeModel } from "../models/tree_model.ts";
import { FEATURE_NAMES } from "../models/features.ts";
import { PredictRequestSchema } from "../web/serve/api_schemas.ts";
import { batchResponseJson } from "../web/serve/batch_response.ts";
import { colonsIn, colonsMatch } from "../web/serve/duplicate_keys.ts";
import { decodeJsonText } from "../web/serve/json_body.ts";
import { OnnxScorer } from "../web/serve/onnx_scorer.ts";
import { RowReader } from "../web/serve/row_reader.ts";
import { servingGraph } from "../web/serve/serving_graph.ts";
import { benchRows } from "./serve/bench_rows.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const CACHE = join(Deno.env.get("HOME") ?? "/tmp", ".cache", "sluice-bench");
const VENV = join(CACHE, "serve-venv");
const REQUIREMENTS = join(ROOT, "bench/serve/requirements.txt");
const LOADGEN_SOURCE = join(ROOT, "bench/serve/loadgen");
const LOADGEN = join(CACHE, "serve-loadgen");
const SERVER_CORE = "0";
const LOADGEN_CORE = "1";
/** The cores of a batch server started with batch workers. */
const BATCH_CORES = ["0", "1"];
const BATCH_ROWS = 1000;

type ServerName = "sluice" | "fastapi";

interface LoadResult {
  readonly mode: string;
  readonly sent: number;
  readonly ok: number;
  readonly errors: number;
  readonly seconds: number;
  readonly per_second: number;
  readonly rows_per_second?: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly p999_ms: number;
  readonly max_ms: number;
  readonly first_bad_status?: number;
  readonly first_error?: string;
  /** Filled in by this bench: who used the server's core while the load ran. */
  cores?: CoreShare;
}

/**
 * Shares of the server's cores during one load phase, from /proc: the server's own CPU (its
 * process and every child process, with all their threads), everything else that ran on those
 * cores (on a batch server's two cores, the load generator too), and the hypervisor's steal,
 * as fractions of the cores' time. A run that serves less with "others" or "steal" up lost its
 * cores to other work, not to anything in the server.
 */
interface CoreShare {
  readonly cores: readonly string[];
  readonly server: number;
  readonly others: number;
  readonly steal: number;
}

interface RunResult {
  readonly open: LoadResult;
  readonly closed: LoadResult;
  readonly batch: LoadResult;
}

interface Files {
  readonly dir: string;
  readonly modelJson: string;
  readonly servingOnnx: string;
  readonly schema: string;
  readonly singles: string;
  readonly batches: string;
}

const { values: flags } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    "open-seconds": { type: "string", default: "30" },
    "closed-seconds": { type: "string", default: "15" },
    "batch-seconds": { type: "string", default: "15" },
    only: { type: "string" },
    rounds: { type: "string" },
    nice: { type: "string", default: "0" },
    "batch-workers": { type: "string", default: "2" },
  },
});
/** Workers (Sluice) or processes (uvicorn) of the batch phase's servers; 0: one, on core 0. */
const BATCH_WORKERS = Number(flags["batch-workers"]);
/**
 * Scheduling priority of the servers and the load generator (nice(1), negative needs root): on
 * a machine shared with other work, a negative value keeps that work from skewing the figures.
 */
const NICE = Number(flags.nice);
const ROUNDS = flags.rounds === undefined ? undefined : Number(flags.rounds);
const RUNS = Number(flags.runs);
const OPEN_SECONDS = Number(flags["open-seconds"]);
const CLOSED_SECONDS = Number(flags["closed-seconds"]);
const BATCH_SECONDS = Number(flags["batch-seconds"]);

function log(message: string): void {
  console.log(`[serve_bench] ${message}`);
}

async function run(command: string, args: string[], options: Deno.CommandOptions = {}) {
  const output = await new Deno.Command(command, { ...options, args }).output();
  const text = new TextDecoder();
  if (!output.success) {
    throw new Error(
      `${command} ${args.join(" ")} failed (${output.code}):\n${text.decode(output.stderr)}`,
    );
  }
  return text.decode(output.stdout);
}

/**
 * The model every server serves, trained on synthetic fraud-like rows as models.fraud_detector
 * trains: the trainer's defaults (depth 6, up to 200 rounds, early stopping after 20), or
 * exactly --rounds trees without early stopping for a heavier model.
 */
async function benchModel(): Promise<TreeModel> {
  const rows = benchRows(1, 60_000);
  const data = (from: number, to: number) =>
    trainingDataFromRows(
      rows.slice(from, to).map((row) => ({ ...row.features, is_fraud: row.isFraud })),
    );
  const began = performance.now();
  const { model } = await trainGbdt(
    data(0, 50_000),
    data(50_000, 60_000),
    ROUNDS === undefined ? { seed: 1 } : { rounds: ROUNDS, earlyStoppingRounds: 0, seed: 1 },
  );
  const nodes = model.trees.reduce((sum, tree) => sum + tree.feature.length, 0);
  log(
    `model: ${model.trees.length} trees, ${nodes} nodes, threshold ${
      model.threshold.toFixed(4)
    }, depth 6 (trained in ${((performance.now() - began) / 1000).toFixed(1)} s on 50,000 rows)`,
  );
  return model;
}

async function writeFiles(model: TreeModel): Promise<Files> {
  const dir = await Deno.makeTempDir({ prefix: "sluice-serve-bench-" });
  const files: Files = {
    dir,
    modelJson: join(dir, "champion.json"),
    servingOnnx: join(dir, "serving.onnx"),
    schema: join(dir, "predict_request.schema.json"),
    singles: join(dir, "singles.jsonl"),
    batches: join(dir, "batches.jsonl"),
  };
  await Deno.writeTextFile(files.modelJson, JSON.stringify(model));
  await Deno.writeFile(join(dir, "champion.onnx"), exportOnnx(model));
  // The bytes Sluice's scorer builds from the same model: FastAPI serves exactly these.
  await Deno.writeFile(files.servingOnnx, servingGraph(model));
  await Deno.writeTextFile(
    files.schema,
    JSON.stringify(z.toJSONSchema(PredictRequestSchema, { io: "input" })),
  );
  const requests = benchRows(2, 1000).map((row, i) => ({
    ...row.features,
    transaction_id: `t${i}`,
  }));
  await Deno.writeTextFile(files.singles, requests.map((row) => JSON.stringify(row)).join("\n"));
  const batches = Array.from({ length: 8 }, (_, b) =>
    JSON.stringify({
      rows: benchRows(10 + b, BATCH_ROWS).map((row, i) => ({
        ...row.features,
        transaction_id: `b${b}-${i}`,
      })),
    }));
  await Deno.writeTextFile(files.batches, batches.join("\n"));
  return files;
}

/** Creates (or reuses) the pinned venv; a changed requirements file rebuilds it. */
async function ensureVenv(): Promise<void> {
  const wanted = await Deno.readTextFile(REQUIREMENTS);
  const marker = join(VENV, "sluice-requirements.txt");
  const installed = await Deno.readTextFile(marker).catch(() => undefined);
  if (installed === wanted) return;
  log(`creating ${VENV} (pinned: bench/serve/requirements.txt)`);
  await Deno.remove(VENV, { recursive: true }).catch(() => {});
  await Deno.mkdir(CACHE, { recursive: true });
  await run("python3", ["-m", "venv", VENV]);
  await run(join(VENV, "bin/pip"), ["install", "--quiet", "--no-deps", "-r", REQUIREMENTS]);
  await Deno.writeTextFile(marker, wanted);
}

async function buildLoadgen(): Promise<void> {
  await Deno.mkdir(CACHE, { recursive: true });
  await run("go", ["build", "-o", LOADGEN, "."], {
    cwd: LOADGEN_SOURCE,
    env: { CGO_ENABLED: "0" },
  });
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Waits until nothing accepts on the port: the next server never shares the core with this one. */
async function portClosed(port: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`a server still accepts on port ${port} 5 s after it was stopped`);
}

interface CoreTicks {
  readonly busy: number;
  readonly total: number;
  readonly steal: number;
  readonly process: number;
}

/** The cores' busy, total and steal ticks (/proc/stat) and the CPU ticks of `pid`'s tree. */
async function coreTicks(cores: readonly string[], pid: number): Promise<CoreTicks> {
  const lines = (await Deno.readTextFile("/proc/stat")).split("\n");
  let busy = 0, total = 0, steal = 0;
  for (const core of cores) {
    const line = lines.find((text) => text.startsWith(`cpu${core} `));
    // user nice system idle iowait irq softirq steal (guest time is already in user)
    const [user, nice, system, idle, iowait, irq, softirq, stolen] = line!.trim().split(/\s+/)
      .slice(1, 9).map(Number);
    busy += user + nice + system + irq + softirq;
    total += user + nice + system + idle + iowait + irq + softirq + stolen;
    steal += stolen;
  }
  return { busy, total, steal, process: await treeTicks(pid) };
}

/** utime + stime of a process and of its descendants (uvicorn's workers are children). */
async function treeTicks(pid: number): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`).catch(() => undefined);
  if (stat === undefined) return 0;
  // Fields after the command's closing parenthesis: state is the first, utime the 12th.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  let ticks = Number(fields[11]) + Number(fields[12]);
  const children = await Deno.readTextFile(`/proc/${pid}/task/${pid}/children`).catch(() => "");
  for (const child of children.split(" ").filter(Boolean)) ticks += await treeTicks(Number(child));
  return ticks;
}

function coreShare(cores: readonly string[], before: CoreTicks, after: CoreTicks): CoreShare {
  const total = Math.max(1, after.total - before.total);
  const server = after.process - before.process;
  const busy = after.busy - before.busy;
  return {
    cores,
    server: server / total,
    others: Math.max(0, busy - server) / total,
    steal: (after.steal - before.steal) / total,
  };
}

/** Runs one load phase and notes who used the server's cores meanwhile. */
async function phase(pid: number, args: string[], cores = [SERVER_CORE]): Promise<LoadResult> {
  const before = await coreTicks(cores, pid);
  const result = await loadgen(args);
  result.cores = coreShare(cores, before, await coreTicks(cores, pid));
  return result;
}

function shares(load: LoadResult): string {
  const cores = load.cores;
  if (cores === undefined) return "";
  const percent = (share: number) => `${Math.round(share * 100)}%`;
  return ` [core${cores.cores.length > 1 ? "s" : ""} ${cores.cores.join("+")}: server ${
    percent(cores.server)
  }, others ${percent(cores.others)}, steal ${percent(cores.steal)}]`;
}

interface RunningServer {
  readonly url: string;
  /** nice and taskset exec the server, so this is the server's own process. */
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * Starts a server on core 0, or with `batchWorkers` > 0 on both cores with that many batch
 * workers (Sluice) or worker processes (uvicorn).
 */
async function startServer(
  name: ServerName,
  files: Files,
  batchWorkers = 0,
): Promise<RunningServer> {
  const port = freePort();
  const cores = batchWorkers > 0 ? BATCH_CORES.join(",") : SERVER_CORE;
  const command = name === "sluice"
    ? new Deno.Command("nice", {
      args: [
        "-n",
        String(NICE),
        "taskset",
        "-c",
        cores,
        Deno.execPath(),
        "run",
        "-A",
        "--quiet",
        "sluice.ts",
        "serve",
        "--model",
        files.modelJson,
      ],
      cwd: ROOT,
      env: {
        HOST: "127.0.0.1",
        PORT: String(port),
        SLUICE_HOME: files.dir,
        SLUICE_SERVE_THREADS: "1",
        SLUICE_SERVE_BATCH_WORKERS: String(batchWorkers),
        SLUICE_LOG_LEVEL: "warn",
      },
      stdout: "null",
      stderr: "piped",
    })
    : new Deno.Command("nice", {
      args: [
        "-n",
        String(NICE),
        "taskset",
        "-c",
        cores,
        join(VENV, "bin/uvicorn"),
        "fastapi_app:app",
        "--app-dir",
        join(ROOT, "bench/serve"),
        "--host",
        "127.0.0.1",
        "--port",
        String(port),
        "--workers",
        String(Math.max(1, batchWorkers)),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
      ],
      env: {
        SERVE_MODEL_JSON: files.modelJson,
        SERVE_ONNX: files.servingOnnx,
        SERVE_SCHEMA: files.schema,
        SERVE_VERSION: "bench",
        OMP_NUM_THREADS: "1",
      },
      stdout: "null",
      stderr: "piped",
    });
  const child = command.spawn();
  const stderr = new Response(child.stderr).text();
  const url = `http://127.0.0.1:${port}`;
  let stopped = false;
  for (let attempt = 0; attempt < 600; attempt++) {
    const ready = await fetch(`${url}/health/ready`).then(
      async (response) => {
        await response.body?.cancel();
        return response.status === 200;
      },
      () => false,
    );
    if (ready) {
      return {
        url,
        pid: child.pid,
        stop: async () => {
          if (stopped) return;
          stopped = true;
          child.kill("SIGTERM");
          await child.status;
          await stderr;
          await portClosed(port);
        },
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill("SIGKILL");
  throw new Error(`${name} did not become ready in 60 s:\n${await stderr}`);
}

async function loadgen(args: string[]): Promise<LoadResult> {
  const stdout = await run("nice", [
    "-n",
    String(NICE),
    "taskset",
    "-c",
    LOADGEN_CORE,
    LOADGEN,
    ...args,
  ], {
    env: { GOMAXPROCS: "1" },
  });
  return JSON.parse(stdout) as LoadResult;
}

async function measure(
  url: string,
  pid: number,
  files: Files,
): Promise<Omit<RunResult, "batch">> {
  const single = `${url}/v1/predict`;
  // Warm-up: JIT, caches and connection set-up are not what we measure.
  await loadgen([
    "-mode",
    "closed",
    "-url",
    single,
    "-bodies",
    files.singles,
    "-connections",
    "16",
    "-duration",
    "3s",
  ]);
  const open = await phase(pid, [
    "-mode",
    "open",
    "-url",
    single,
    "-bodies",
    files.singles,
    "-rate",
    "1000",
    "-duration",
    `${OPEN_SECONDS}s`,
  ]);
  const closed = await phase(pid, [
    "-mode",
    "closed",
    "-url",
    single,
    "-bodies",
    files.singles,
    "-connections",
    "16",
    "-duration",
    `${CLOSED_SECONDS}s`,
  ]);
  return { open, closed };
}

/** (c): batches of BATCH_ROWS rows, 4 connections, on a server's `cores`. */
async function measureBatches(
  url: string,
  pid: number,
  files: Files,
  cores: readonly string[],
): Promise<LoadResult> {
  const batch = `${url}/v1/predict/batch`;
  const args = (seconds: number) => [
    "-mode",
    "batch",
    "-url",
    batch,
    "-bodies",
    files.batches,
    "-connections",
    "4",
    "-duration",
    `${seconds}s`,
    "-rows",
    String(BATCH_ROWS),
  ];
  // Warm-up: JIT, caches, connection set-up and every worker's first batches.
  await loadgen(args(2));
  return await phase(pid, args(BATCH_SECONDS), [...cores]);
}

/**
 * One run of a server: (a) and (b) on a server pinned to core 0, then (c) on the same server,
 * or with --batch-workers on a server started anew on both cores.
 */
async function measureRun(name: ServerName, files: Files): Promise<RunResult> {
  const server = await startServer(name, files);
  try {
    const singles = await measure(server.url, server.pid, files);
    if (BATCH_WORKERS === 0) {
      return {
        ...singles,
        batch: await measureBatches(server.url, server.pid, files, [SERVER_CORE]),
      };
    }
    await server.stop();
    const batchServer = await startServer(name, files, BATCH_WORKERS);
    try {
      return {
        ...singles,
        batch: await measureBatches(batchServer.url, batchServer.pid, files, BATCH_CORES),
      };
    } finally {
      await batchServer.stop();
    }
  } finally {
    await server.stop();
  }
}

/** Both servers must give the same answers to the same request before they are compared. */
async function checkSameAnswers(files: Files, servers: ServerName[]): Promise<void> {
  const body = (await Deno.readTextFile(files.singles)).split("\n").slice(0, 50);
  const answers = new Map<ServerName, unknown[]>();
  for (const name of servers) {
    const server = await startServer(name, files);
    try {
      answers.set(
        name,
        await Promise.all(body.map(async (line) => {
          const response = await fetch(`${server.url}/v1/predict`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: line,
          });
          return await response.json();
        })),
      );
    } finally {
      await server.stop();
    }
  }
  if (servers.length < 2) return;
  const [a, b] = servers.map((name) => answers.get(name)!) as { [k: string]: unknown }[][];
  let maxDiff = 0;
  a.forEach((answer, i) => {
    const other = b[i];
    maxDiff = Math.max(
      maxDiff,
      Math.abs((answer.fraud_probability as number) - (other.fraud_probability as number)),
    );
    const names = (x: { [k: string]: unknown }) =>
      JSON.stringify((x.reasons as { feature: string }[]).map((reason) => reason.feature));
    const same = names(answer) === names(other) && answer.risk_level === other.risk_level &&
      answer.is_fraud === other.is_fraud && answer.transaction_id === other.transaction_id;
    if (!same) {
      throw new Error(
        `The servers answer request ${i} differently:\n${JSON.stringify(answer)}\n${
          JSON.stringify(other)
        }`,
      );
    }
  });
  log(
    `same answers from both servers on 50 requests (max probability difference ${
      maxDiff.toExponential(1)
    })`,
  );
}

/**
 * Where a 1,000-row batch's time goes inside Sluice serve, stage by stage, in this process
 * (medians of 30 runs): it explains the batch figure the sockets measure.
 */
async function batchBreakdown(model: TreeModel, files: Files): Promise<void> {
  const text = (await Deno.readTextFile(files.batches)).split("\n")[0];
  const bytes = new TextEncoder().encode(text);
  const scorer = await OnnxScorer.create(model);
  const reader = new RowReader();
  const stages: Record<string, number[]> = {};
  const timed = async <T>(stage: string, work: () => T | Promise<T>): Promise<T> => {
    const began = performance.now();
    const result = await work();
    (stages[stage] ??= []).push(performance.now() - began);
    return result;
  };
  // The stages of web/serve/batch_scoring.ts's answerBatch, one by one.
  for (let i = 0; i < 40; i++) {
    const decoded = await timed("decode", () => decodeJsonText(bytes));
    const value = await timed("JSON.parse", () => JSON.parse(decoded));
    const rows = value.rows as Record<string, unknown>[];
    const input = new Float32Array(rows.length * reader.width);
    const ids: (string | undefined)[] = [];
    let colons = 1;
    await timed("read rows", () => {
      rows.forEach((row, r) => {
        const read = reader.read(row, input, r * reader.width);
        if (!read.ok) throw new Error(`bench row ${r} is invalid`);
        ids.push(read.transactionId);
        colons += reader.width +
          (read.transactionId === undefined ? 0 : 1 + colonsIn(read.transactionId));
      });
    });
    await timed("repeated keys", () => {
      if (!colonsMatch(text, colons)) throw new Error("the bench batch repeats a key");
    });
    const scores = await timed("onnxruntime", () => scorer.scoreRows(input, rows.length));
    await timed("response string", () =>
      batchResponseJson({
        rows,
        scored: rows.map((_, r) => r),
        transactionIds: ids,
        rejected: new Map(),
        scores,
        threshold: model.threshold,
        version: "v",
        latencyMs: 1,
        names: FEATURE_NAMES,
        probabilities: new Float64Array(rows.length),
      }));
  }
  await scorer.release();
  // Medians show the typical cost; minima are close to the uncontended cost on a busy machine.
  const summary = Object.entries(stages).map(([stage, times]) => {
    const measured = times.slice(10);
    return { stage, median: median(measured), best: Math.min(...measured) };
  });
  const total = (pick: "median" | "best") => summary.reduce((sum, stage) => sum + stage[pick], 0);
  log(
    `in-process cost of one ${BATCH_ROWS}-row batch, median (best): ` +
      summary.map(({ stage, median, best }) =>
        `${stage} ${median.toFixed(2)} (${best.toFixed(2)}) ms`
      )
        .join(", ") +
      ` = ${total("median").toFixed(2)} (${total("best").toFixed(2)}) ms, ` +
      `${format(BATCH_ROWS / total("median") * 1000, 0)} (${
        format(BATCH_ROWS / total("best") * 1000, 0)
      }) rows/s before HTTP`,
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function format(value: number, digits = 2): string {
  return value.toLocaleString("en-US", {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });
}

async function main(): Promise<void> {
  const servers: ServerName[] = flags.only ? [flags.only as ServerName] : ["sluice", "fastapi"];
  const cpu = (await run("lscpu", [])).match(/Model name:\s*(.*)/)?.[1] ?? "unknown CPU";
  log(
    `machine: ${cpu}, ${navigator.hardwareConcurrency} cores; load average ${
      (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ")
    }`,
  );
  log(
    `servers on core ${SERVER_CORE}, load generator on core ${LOADGEN_CORE}, all at nice ${NICE}; ` +
      (BATCH_WORKERS > 0
        ? `batches: servers on cores ${BATCH_CORES.join("+")} with ${BATCH_WORKERS} batch ` +
          `workers (Sluice) / ${BATCH_WORKERS} uvicorn workers (FastAPI), generator on core ` +
          `${LOADGEN_CORE}, sharing it; `
        : "") +
      `${RUNS} runs, order alternating`,
  );
  // The in-process breakdown runs in this process: give it the servers' priority too.
  if (NICE !== 0) await run("renice", ["-n", String(NICE), "-p", String(Deno.pid)]);
  const model = await benchModel();
  const files = await writeFiles(model);
  if (servers.includes("fastapi")) await ensureVenv();
  await buildLoadgen();
  await checkSameAnswers(files, servers);
  await batchBreakdown(model, files);
  if (RUNS === 0) {
    await Deno.remove(files.dir, { recursive: true });
    return;
  }
  const results = new Map<ServerName, RunResult[]>(servers.map((name) => [name, []]));
  for (let runIndex = 0; runIndex < RUNS; runIndex++) {
    const order = runIndex % 2 === 0 ? servers : [...servers].reverse();
    for (const name of order) {
      const result = await measureRun(name, files);
      results.get(name)!.push(result);
      {
        log(
          `run ${runIndex + 1} ${name}: open p50 ${result.open.p50_ms} p99 ${result.open.p99_ms} ` +
            `p99.9 ${result.open.p999_ms} ms (${result.open.errors} errors)${
              shares(result.open)
            }; closed ${format(result.closed.per_second, 0)} req/s ` +
            `p99 ${result.closed.p99_ms} ms${shares(result.closed)}; batch ${
              format(result.batch.rows_per_second ?? 0, 0)
            } rows/s${shares(result.batch)}; load average ${
              (await Deno.readTextFile("/proc/loadavg")).split(" ")[0]
            }`,
        );
        for (const load of [result.open, result.closed, result.batch]) {
          if (load.errors > 0) {
            log(
              `  ${name} ${load.mode}: ${load.errors} errors (status ${load.first_bad_status}, ${
                load.first_error ?? ""
              })`,
            );
          }
        }
      }
    }
  }
  const rows: [string, (r: RunResult) => number, number, "lower" | "higher"][] = [
    ["open 1,000/s p50 (ms)", (r) => r.open.p50_ms, 3, "lower"],
    ["open 1,000/s p99 (ms)", (r) => r.open.p99_ms, 3, "lower"],
    ["open 1,000/s p99.9 (ms)", (r) => r.open.p999_ms, 3, "lower"],
    ["closed 16 conns (req/s)", (r) => r.closed.per_second, 0, "higher"],
    ["closed 16 conns p99 (ms)", (r) => r.closed.p99_ms, 3, "lower"],
    ["batch 1,000 rows (rows/s)", (r) => r.batch.rows_per_second ?? 0, 0, "higher"],
    ["batch 1,000 rows p99 (ms)", (r) => r.batch.p99_ms, 2, "lower"],
  ];
  console.log(`\nMedians of ${RUNS} runs (Sluice / FastAPI ratio: >1 means Sluice is better)`);
  console.log(
    ["metric".padEnd(28), ...servers.map((name) => name.padStart(14)), "ratio".padStart(10)].join(
      "",
    ),
  );
  for (const [label, pick, digits, better] of rows) {
    const medians = servers.map((name) => median(results.get(name)!.map(pick)));
    const ratio = medians.length === 2
      ? (better === "higher" ? medians[0] / medians[1] : medians[1] / medians[0])
      : NaN;
    console.log([
      label.padEnd(28),
      ...medians.map((value) => format(value, digits).padStart(14)),
      (Number.isFinite(ratio) ? `${format(ratio, 2)}x` : "").padStart(10),
    ].join(""));
  }
  const sluice = results.get("sluice");
  if (sluice) {
    const p99 = median(sluice.map((r) => r.open.p99_ms));
    const rowsPerSecond = median(sluice.map((r) => r.batch.rows_per_second ?? 0));
    console.log(
      `\ntargets: open p99 <= 2 ms: ${p99 <= 2 ? "met" : "NOT met"} (${p99} ms); ` +
        `batch >= 500,000 rows/s: ${rowsPerSecond >= 500_000 ? "met" : "NOT met"} (${
          format(rowsPerSecond, 0)
        })`,
    );
    const fastapi = results.get("fastapi");
    if (fastapi) {
      const ratio = median(sluice.map((r) => r.closed.per_second)) /
        median(fastapi.map((r) => r.closed.per_second));
      console.log(
        `         16-connection throughput >= 5x FastAPI: ${ratio >= 5 ? "met" : "NOT met"} (${
          format(ratio, 2)
        }x)`,
      );
    }
  }
  log(
    `load average at the end ${
      (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ")
    }`,
  );
  await Deno.remove(files.dir, { recursive: true });
}

if (import.meta.main) await main();
