// The medallion pipeline end to end, as a user runs it: lands a generated day, then times
// `deno task materialize` (landing → bronze → silver → gold, embedded PGlite, filesystem lake)
// in its own process for wall time and peak RSS, and reads each layer's span from the
// materializations it committed (spans overlap where layers run side by side). In the same run,
// DuckDB alone reads the same landing files into Parquet (bench/duckdb_landing.ts), so the
// report shows what the pipeline adds over the engine. Medians of several runs, each in a fresh
// SLUICE_HOME.
//
// The steady state: a month of days landed at once and built through silver day by day (first
// build: each day's wall and silver span), then silver of day 2 and of the last day rebuilt
// alone (--force), alternating, so a day with 30 days of history is set against a day with one.
//
// Usage: deno run -A bench/pipeline_bench.ts [--events N ...] [--runs R] [--day YYYY-MM-DD]
//   [--month-days D] [--month-events N] (D = 0 leaves the month out) [--landed DIR]
// --landed DIR keeps each size's generated landing files in DIR/<events>-<day> and reuses them
// on later invocations (generating a reference day takes a minute or two; it is not timed).
// Default: the reference day (4,320,000 events, 50 events/s for 24 h) and 1,000,000 events;
// a month of 31 days at the reference rate.
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { openMetadataStore } from "../resources/postgres/open_metadata_store.ts";
import { runGenerator } from "../generator/run.ts";
import { DEFAULT_BATCH_SIZE } from "../generator/landing_writer.ts";
import { landBenchDay } from "./land_day.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
// models: the fraud detector's daily training step runs in the same `materialize` (its window
// is empty on the bench's single day, yet the step takes seconds of the wall).
const LAYERS = ["bronze", "seeds", "staging", "silver", "gold", "models"] as const;

interface RunFigures {
  generateMs: number;
  wallMs: number;
  peakRssMiB: number;
  cpuMs: number;
  /** Process start to the run's start: opening the store, observing landing and planning. */
  startupMs: number;
  layerMs: Record<string, number>;
  steps: number;
  duckDbMs: number;
  duckDbRssMiB: number;
}

interface Timed {
  wallMs: number;
  peakRssMiB: number;
  /** User plus system CPU time: steadier than the wall on a shared machine. */
  cpuMs: number;
}

const DAY_MS = 86_400_000;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    events: { type: "string", multiple: true },
    runs: { type: "string", default: "3" },
    day: { type: "string", default: "2026-11-20" },
    "month-days": { type: "string", default: "31" },
    "month-events": { type: "string", default: "4320000" },
    landed: { type: "string" },
  },
});
// --events 0 leaves the single day out (the month alone).
const sizes = (values.events ?? ["4320000", "1000000"]).map(Number).filter((n) => n > 0);
const runs = Number(values.runs);
const day = values.day!;

console.log(
  `Sluice pipeline benchmark: ${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}, ` +
    `${runs} runs per size, day ${day}, embedded PGlite + filesystem lake`,
);
for (const events of sizes) {
  const figures: RunFigures[] = [];
  for (let i = 0; i < runs; i++) figures.push(await oneRun(events, day));
  report(events, figures);
}
const monthDays = Number(values["month-days"]);
if (monthDays >= 2) await steadyState(monthDays, Number(values["month-events"]), day, runs);

async function oneRun(events: number, day: string): Promise<RunFigures> {
  const home = await Deno.makeTempDir({ prefix: "sluice-bench-home-" });
  try {
    const generated = await landedDay(home, events, day, values.landed);
    const spawnedAt = Date.now();
    const materialized = await timed(home, [
      "materialize",
      // Landing to gold; the warehouse and marts have their own bench (warehouse_bench.ts).
      "--exclude",
      "group:warehouse,group:marts",
    ]);
    const duckDb = await duckDbAlone(home);
    const { layerMs, steps, runStartedAt } = await layerSpans(home);
    return {
      generateMs: generated.elapsedMs,
      wallMs: materialized.wallMs,
      peakRssMiB: materialized.peakRssMiB,
      cpuMs: materialized.cpuMs,
      startupMs: runStartedAt.getTime() - spawnedAt,
      layerMs,
      steps,
      duckDbMs: duckDb.wallMs,
      duckDbRssMiB: duckDb.peakRssMiB,
    };
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

/**
 * The day's landing files in `home`: generated, or with `keep`, linked from `keep`'s copy
 * (generated there first if missing). The pipeline only reads landing, so runs can share it.
 */
async function landedDay(
  home: string,
  events: number,
  day: string,
  keep: string | undefined,
): Promise<{ elapsedMs: number }> {
  if (keep === undefined) return landBenchDay(home, events, day);
  const kept = `${keep}/${events}-${day}`;
  // NaN: reused, not generated in this invocation.
  let elapsedMs = NaN;
  if (!(await exists(`${kept}/landing`))) {
    const partial = `${kept}.partial`;
    await Deno.remove(partial, { recursive: true }).catch(() => {});
    await Deno.mkdir(partial, { recursive: true });
    elapsedMs = landBenchDay(partial, events, day).elapsedMs;
    await Deno.remove(kept, { recursive: true }).catch(() => {});
    await Deno.rename(partial, kept);
  }
  await Deno.symlink(`${kept}/landing`, `${home}/landing`);
  return { elapsedMs };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** `deno task materialize ARGS` in its own process: wall time and peak RSS from /usr/bin/time. */
function timed(home: string, args: readonly string[]): Promise<Timed> {
  return timedCommand(
    [Deno.execPath(), "run", "-A", "--quiet", "sluice.ts", ...args],
    { SLUICE_HOME: home, SLUICE_LOG_LEVEL: "warn" },
  );
}

/** DuckDB alone reading the same landing files into Parquet, in a process of its own. */
async function duckDbAlone(home: string): Promise<Timed> {
  const output = `${home}/duckdb-alone`;
  await Deno.mkdir(output);
  try {
    return await timedCommand(
      [
        Deno.execPath(),
        "run",
        "-A",
        "--quiet",
        "bench/duckdb_landing.ts",
        `${home}/landing`,
        output,
      ],
      {},
    );
  } finally {
    await Deno.remove(output, { recursive: true });
  }
}

async function timedCommand(
  command: readonly string[],
  env: Record<string, string>,
): Promise<Timed> {
  const output = await new Deno.Command("/usr/bin/time", {
    args: ["-f", "%e %M %U %S", ...command],
    cwd: ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr).trim().split("\n");
  if (!output.success) {
    throw new Error(
      `${command.slice(4).join(" ")} failed:\n${new TextDecoder().decode(output.stdout)}\n${
        stderr.join("\n")
      }`,
    );
  }
  const [seconds, maxKb, user, system] = stderr.at(-1)!.split(" ").map(Number);
  return { wallMs: seconds * 1000, peakRssMiB: maxKb / 1024, cpuMs: (user + system) * 1000 };
}

/** Each layer's span: first materialization start to last commit, from the metadata store. */
async function layerSpans(
  home: string,
): Promise<{ layerMs: Record<string, number>; steps: number; runStartedAt: Date }> {
  const store = await openMetadataStore({ embeddedDir: `${home}/pg` });
  try {
    const [run] = await store.runs.listRuns(1);
    const steps = await store.runs.listSteps(run.id);
    const layerMs: Record<string, number> = {};
    for (const layer of LAYERS) {
      let first = Infinity;
      let last = -Infinity;
      for (const step of steps) {
        if (!step.assetKey.startsWith(`${layer}.`) || step.materializationId === undefined) {
          continue;
        }
        const m = await store.partitions.getMaterialization(step.materializationId);
        if (m === undefined) continue;
        first = Math.min(first, m.startedAt.getTime());
        last = Math.max(last, m.committedAt.getTime());
      }
      if (first !== Infinity) layerMs[layer] = last - first;
    }
    return { layerMs, steps: steps.length, runStartedAt: run.startedAt };
  } finally {
    await store.close();
  }
}

function report(events: number, figures: RunFigures[]): void {
  const med = (pick: (f: RunFigures) => number) => median(figures.map(pick));
  const each = (pick: (f: RunFigures) => number, digits = 1) =>
    figures.map((f) => pick(f).toFixed(digits)).join(", ");
  console.log(`\n${events.toLocaleString("en-US")} events, ${figures[0].steps} steps per run`);
  console.log(
    `  materialize wall: median ${(med((f) => f.wallMs) / 1000).toFixed(1)} s ` +
      `(${each((f) => f.wallMs / 1000)}), ${
        Math.round(events / (med((f) => f.wallMs) / 1000)).toLocaleString("en-US")
      } events/s`,
  );
  console.log(
    `  CPU (user + system): median ${(med((f) => f.cpuMs) / 1000).toFixed(1)} s (${
      each((f) => f.cpuMs / 1000)
    }); load ${Deno.loadavg().map((l) => l.toFixed(1)).join(", ")} at the end`,
  );
  console.log(
    `  peak RSS: median ${med((f) => f.peakRssMiB).toFixed(0)} MiB (${
      each((f) => f.peakRssMiB, 0)
    })`,
  );
  // A fresh SLUICE_HOME each run: the embedded store is created (initdb) in this span too.
  console.log(
    `  start-up (process start → run start: new store, observe, plan) median ${
      (med((f) => f.startupMs) / 1000).toFixed(2)
    } s (${each((f) => f.startupMs / 1000, 2)})`,
  );
  for (const layer of LAYERS) {
    if (figures.some((f) => f.layerMs[layer] === undefined)) continue;
    console.log(
      `  ${layer.padEnd(7)} median ${(med((f) => f.layerMs[layer]) / 1000).toFixed(2)} s ` +
        `(${each((f) => f.layerMs[layer] / 1000, 2)})`,
    );
  }
  console.log(
    `  DuckDB alone, the same landing files to Parquet: median ${
      (med((f) => f.duckDbMs) / 1000).toFixed(1)
    } s (${each((f) => f.duckDbMs / 1000)}), peak RSS ${
      med((f) => f.duckDbRssMiB).toFixed(0)
    } MiB; ` +
      `the pipeline: ${(med((f) => f.wallMs) / med((f) => f.duckDbMs)).toFixed(1)}x its time`,
  );
  const generated = figures.map((f) => f.generateMs).filter((ms) => !Number.isNaN(ms));
  console.log(
    generated.length === 0
      ? "  landing files reused from --landed (generating them is not in the wall time)"
      : `  generating the landing files (not in the wall time): median ${
        (median(generated) / 1000).toFixed(1)
      } s`,
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * A month at `eventsPerDay`: landed at once, built day by day in order through silver (each
 * day's wall, peak RSS and silver span), then silver of day 2 and of the last day rebuilt alone,
 * alternating.
 */
async function steadyState(days: number, eventsPerDay: number, lastDay: string, runs: number) {
  const home = await Deno.makeTempDir({ prefix: "sluice-bench-month-" });
  try {
    const start = Date.parse(`${lastDay}T00:00:00Z`) - (days - 1) * DAY_MS;
    const dayOf = (i: number) => new Date(start + i * DAY_MS).toISOString().slice(0, 10);
    const generated = runGenerator({
      seed: 42,
      events: eventsPerDay * days,
      days,
      start,
      fraudRate: 0.03,
      malformedRate: 0.001,
      landing: `${home}/landing`,
      batchSize: DEFAULT_BATCH_SIZE,
    });
    console.log(
      `\nSteady state: ${days} days at ${eventsPerDay.toLocaleString("en-US")} events a day, ` +
        `${dayOf(0)}..${dayOf(days - 1)} (landed in ${(generated.elapsedMs / 1000).toFixed(0)} s)`,
    );
    console.log("  first build, day by day (landing → silver):");
    for (let i = 0; i < days; i++) {
      const built = await timed(home, ["materialize", "+group:silver", "--partition", dayOf(i)]);
      const { layerMs } = await layerSpans(home);
      console.log(
        `    day ${String(i + 1).padStart(2)} ${dayOf(i)}: wall ${
          (built.wallMs / 1000).toFixed(1)
        } s, ` +
          `peak RSS ${built.peakRssMiB.toFixed(0)} MiB, silver ${
            ((layerMs.silver ?? NaN) / 1000).toFixed(2)
          } s`,
      );
    }
    const rebuilt: Record<"second" | "last", number[]> = { second: [], last: [] };
    for (let r = 0; r < runs; r++) {
      for (const which of ["second", "last"] as const) {
        const day = which === "second" ? dayOf(1) : dayOf(days - 1);
        await timed(home, ["materialize", "group:silver", "--partition", day, "--force"]);
        const { layerMs } = await layerSpans(home);
        rebuilt[which].push(layerMs.silver);
      }
    }
    const show = (ms: number[]) =>
      `median ${(median(ms) / 1000).toFixed(2)} s (${
        ms.map((m) => (m / 1000).toFixed(2)).join(", ")
      })`;
    console.log(`  silver rebuilt alone (--force), ${runs} runs alternating:`);
    console.log(`    day 2 (1 day of history): ${show(rebuilt.second)}`);
    console.log(`    day ${days} (${days - 1} days of history): ${show(rebuilt.last)}`);
    console.log(
      `    day ${days} / day 2: ${(median(rebuilt.last) / median(rebuilt.second)).toFixed(2)}x`,
    );
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}
