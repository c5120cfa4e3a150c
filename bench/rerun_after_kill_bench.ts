// How soon a rerun starts working after `deno task materialize` is killed with -9 mid-run (issue
// 16: it used to wait out the dead run's 30 s leases, 17.7 s on one step). Each run: a generated
// day in a fresh SLUICE_HOME on Postgres (DATABASE_URL or SLUICE_TEST_DATABASE_URL), materialize
// in its own process, kill -9 once its first partition has committed (its other steps hold
// leases), then materialize again. Reports, per run and as medians: the rerun's process start to
// its run start, its run start to its first step's attempt, and whether it logged a wait.
//
// Usage: deno run -A bench/rerun_after_kill_bench.ts [--runs 5] [--events 20000]
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { runGenerator } from "../generator/run.ts";
import { openMetadataStore } from "../resources/postgres/open_metadata_store.ts";
import { createFreshDatabase } from "../tests/support/services.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const DAY_MS = 86_400_000;
const { values } = parseArgs({
  args: Deno.args,
  options: {
    runs: { type: "string", default: "5" },
    events: { type: "string", default: "20000" },
  },
});

function materialize(env: Record<string, string>): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", "sluice.ts", "materialize"],
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Resolves once a stderr line matches; keeps reading so the child never blocks. */
function waitForLine(child: Deno.ChildProcess, pattern: RegExp): Promise<void> {
  return new Promise((resolve) => {
    let text = "";
    (async () => {
      for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
        text += chunk;
        if (pattern.test(text)) resolve();
      }
    })();
  });
}

interface Figures {
  readonly startupMs: number;
  readonly firstStepMs: number;
  readonly waited: boolean;
  readonly abandoned: string;
}

async function once(): Promise<Figures> {
  const database = await createFreshDatabase(
    Deno.env.get("DATABASE_URL") ?? Deno.env.get("SLUICE_TEST_DATABASE_URL"),
  );
  const home = await Deno.makeTempDir({ prefix: "sluice-rerun-bench-" });
  try {
    runGenerator({
      seed: 8,
      events: Number(values.events),
      days: 1,
      start: Math.floor(Date.now() / DAY_MS) * DAY_MS - 2 * DAY_MS,
      fraudRate: 0.03,
      malformedRate: 0.001,
      landing: `${home}/landing`,
      batchSize: 10_000,
    });
    const env = {
      SLUICE_HOME: home,
      DATABASE_URL: database.url,
      SLUICE_LOG_LEVEL: "info",
      PATH: Deno.env.get("PATH") ?? "",
    };
    const first = materialize(env);
    await waitForLine(first, /materialized bronze\./);
    first.kill("SIGKILL");
    await first.status;

    const spawned = Date.now();
    const rerun = materialize(env);
    const output = await rerun.output();
    const stderr = new TextDecoder().decode(output.stderr);
    if (output.code !== 0) throw new Error(`the rerun failed:\n${stderr.slice(-2_000)}`);

    const store = await openMetadataStore({ databaseUrl: database.url });
    try {
      const [dead, next] = [...await store.runs.listRuns(5)].reverse();
      const steps = await store.runs.listSteps(next.id);
      const attempts = await Promise.all(
        steps.filter((s) => s.materializationId !== undefined)
          .map((s) => store.partitions.getMaterialization(s.materializationId!)),
      );
      const firstAttempt = Math.min(...attempts.map((m) => m!.startedAt.getTime()));
      return {
        startupMs: next.startedAt.getTime() - spawned,
        firstStepMs: firstAttempt - next.startedAt.getTime(),
        waited: /waiting: /.test(stderr),
        abandoned: `${dead.status}: ${dead.summary.reason}`,
      };
    } finally {
      await store.close();
    }
  } finally {
    await Deno.remove(home, { recursive: true });
    await database.drop();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const runs = Number(values.runs);
console.log(
  `Rerun after kill -9: ${runs} runs, ${values.events} events a day, Postgres, ` +
    `${navigator.hardwareConcurrency} cores (shared)`,
);
const all: Figures[] = [];
for (let i = 0; i < runs; i++) {
  const f = await once();
  all.push(f);
  console.log(
    `run ${i + 1}: process start → run start ${f.startupMs} ms, run start → first step ` +
      `${f.firstStepMs} ms, waited for a lease: ${
        f.waited ? "yes" : "no"
      }; dead run ${f.abandoned}`,
  );
}
console.log(
  `median: process start → run start ${median(all.map((f) => f.startupMs))} ms, ` +
    `run start → first step ${median(all.map((f) => f.firstStepMs))} ms`,
);
