// The medallion pipeline end to end, as a user runs it: lands a generated day, then times
// `deno task materialize` (landing → bronze → silver → gold, embedded PGlite, filesystem lake)
// in its own process for wall time and peak RSS, and reads each layer's span from the
// materializations it committed (spans overlap where layers run side by side). Medians of
// several runs, each in a fresh SLUICE_HOME.
//
// Usage: deno run -A bench/pipeline_bench.ts [--events N ...] [--runs R] [--day YYYY-MM-DD]
// Default: the reference day (4,320,000 events, 50 events/s for 24 h) and 1,000,000 events.
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { openMetadataStore } from "../resources/postgres/open_metadata_store.ts";
import { landBenchDay } from "./land_day.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const LAYERS = ["bronze", "seeds", "staging", "silver", "gold"] as const;

interface RunFigures {
  generateMs: number;
  wallMs: number;
  peakRssMiB: number;
  layerMs: Record<string, number>;
  steps: number;
}

const { values } = parseArgs({
  args: Deno.args,
  options: {
    events: { type: "string", multiple: true },
    runs: { type: "string", default: "3" },
    day: { type: "string", default: "2026-11-20" },
  },
});
const sizes = (values.events ?? ["4320000", "1000000"]).map(Number);
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

async function oneRun(events: number, day: string): Promise<RunFigures> {
  const home = await Deno.makeTempDir({ prefix: "sluice-bench-home-" });
  try {
    const generated = landBenchDay(home, events, day);
    const output = await new Deno.Command("/usr/bin/time", {
      args: [
        "-f",
        "%e %M",
        Deno.execPath(),
        "run",
        "-A",
        "--quiet",
        "sluice.ts",
        "materialize",
        // Landing to gold; the warehouse and marts have their own bench (warehouse_bench.ts).
        "--exclude",
        "group:warehouse,group:marts",
      ],
      cwd: ROOT,
      env: { SLUICE_HOME: home, SLUICE_LOG_LEVEL: "warn" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr).trim().split("\n");
    if (!output.success) {
      throw new Error(
        `materialize failed:\n${new TextDecoder().decode(output.stdout)}\n${stderr.join("\n")}`,
      );
    }
    const [seconds, maxKb] = stderr.at(-1)!.split(" ").map(Number);
    const { layerMs, steps } = await layerSpans(home);
    return {
      generateMs: generated.elapsedMs,
      wallMs: seconds * 1000,
      peakRssMiB: maxKb / 1024,
      layerMs,
      steps,
    };
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

/** Each layer's span: first materialization start to last commit, from the metadata store. */
async function layerSpans(
  home: string,
): Promise<{ layerMs: Record<string, number>; steps: number }> {
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
    return { layerMs, steps: steps.length };
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
    `  peak RSS: median ${med((f) => f.peakRssMiB).toFixed(0)} MiB (${
      each((f) => f.peakRssMiB, 0)
    })`,
  );
  for (const layer of LAYERS) {
    if (figures.some((f) => f.layerMs[layer] === undefined)) continue;
    console.log(
      `  ${layer.padEnd(7)} median ${(med((f) => f.layerMs[layer]) / 1000).toFixed(2)} s ` +
        `(${each((f) => f.layerMs[layer] / 1000, 2)})`,
    );
  }
  console.log(
    `  generating the landing files (not in the wall time): median ${
      (med((f) => f.generateMs) / 1000).toFixed(1)
    } s`,
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
