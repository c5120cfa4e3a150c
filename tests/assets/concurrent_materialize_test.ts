// The first user's report, as a test: two `deno task materialize` processes on one Postgres,
// started half a second apart over four landed days of the real pipeline. Their runs overlap,
// each asset partition's materialize function runs once across both (its attempts, from the
// two runs' step tables), and the second commits no partition the first committed.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { defaultDayStart } from "../../assets/default_day.ts";
import { runGenerator } from "../../generator/run.ts";
import { openMetadataStore } from "../../resources/postgres/open_metadata_store.ts";
import type { RunRecord, StepRecord } from "../../runtime/store/metadata_store.ts";
import { FIXED_NOW, FIXED_NOW_DATE } from "../support/fixed_now.ts";
import { pipelinePartitions } from "../support/pipeline_partitions.ts";
import { needsPostgres, withFreshDatabase } from "../support/services.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DAY_MS = 86_400_000;
const DAYS = 4;

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

async function succeeded(child: Deno.ChildProcess): Promise<void> {
  const output = await child.output();
  const text = new TextDecoder();
  assert.equal(
    output.code,
    0,
    `${text.decode(output.stdout)}\n${text.decode(output.stderr).slice(-4_000)}`,
  );
}

const id = (step: StepRecord) => `${step.assetKey}@${step.partition || "-"}`;

Deno.test({
  name:
    "two materialize processes on one Postgres over four landed days do each partition once between them",
  ...needsPostgres(),
  fn: () =>
    withFreshDatabase(async (url) => {
      const home = await Deno.makeTempDir({ prefix: "sluice-two-materialize-" });
      try {
        // Both processes' clocks start at FIXED_NOW: the days are 2026-11-26..2026-11-29.
        const last = defaultDayStart(FIXED_NOW_DATE);
        runGenerator({
          seed: 5,
          events: 4 * 1_500,
          days: DAYS,
          start: last - (DAYS - 1) * DAY_MS,
          fraudRate: 0.03,
          malformedRate: 0.001,
          landing: `${home}/landing`,
          batchSize: 10_000,
        });
        const env = {
          SLUICE_HOME: home,
          DATABASE_URL: url,
          SLUICE_LOG_LEVEL: "warn",
          SLUICE_NOW: FIXED_NOW,
        };
        // Migrated first, so the processes race on the work and not on the schema.
        await (await openMetadataStore({ databaseUrl: url })).close();
        const first = materialize(env);
        await new Promise((resolve) => setTimeout(resolve, 500));
        const second = materialize(env);
        await Promise.all([succeeded(first), succeeded(second)]);

        const store = await openMetadataStore({ databaseUrl: url });
        let runs: readonly RunRecord[];
        const steps = new Map<string, StepRecord[]>();
        try {
          runs = (await store.runs.listRuns(10)).filter((r) => r.command === "materialize")
            .toReversed();
          for (const run of runs) steps.set(run.id, [...await store.runs.listSteps(run.id)]);
        } finally {
          await store.close();
        }
        assert.equal(runs.length, 2, "expected two runs");
        const [a, b] = runs;
        assert.ok(
          a.startedAt < b.finishedAt! && b.startedAt < a.finishedAt!,
          `the runs did not overlap: ${a.startedAt.toISOString()}..${a.finishedAt?.toISOString()} and ${b.startedAt.toISOString()}..${b.finishedAt?.toISOString()}`,
        );
        const attempts = new Map<string, number>();
        for (const step of [...steps.get(a.id)!, ...steps.get(b.id)!]) {
          attempts.set(id(step), (attempts.get(id(step)) ?? 0) + step.attempts);
        }
        // A retried attempt counts too: a step that failed once and then committed ran its
        // materialize function twice (it did, when two steps created a warehouse schema at once).
        const twice = [...attempts].filter(([, n]) => n > 1);
        assert.deepEqual(twice, [], "materialized more than once across the two runs");
        const committedBy = (runId: string) =>
          steps.get(runId)!.filter((s) => s.status === "succeeded").map(id);
        const byA = committedBy(a.id);
        const byB = committedBy(b.id);
        assert.deepEqual(byB.filter((p) => byA.includes(p)), [], "committed by both runs");
        // Whichever run took it, every partition was built: one per landed day of each daily
        // asset (the model's a day on, 2026-11-27..2026-11-30), each unpartitioned asset once;
        // the scores and their warehouse copy wait for a champion that four days do not train.
        const partitions = await pipelinePartitions(FIXED_NOW_DATE);
        assert.equal(
          byA.length + byB.length,
          DAYS * partitions.daily + partitions.unpartitioned - 2 * DAYS,
          `committed: ${[...byA, ...byB].sort().join(", ")}`,
        );
        // Which run commits which partition is a race: a run descheduled after its start can
        // find every step leased by the other (CI saw the later run commit them all). What must
        // hold either way: no step failed, and none gave up waiting for the other run's lease;
        // the rest found their partition current or wait for data (the scores wait for a
        // champion model).
        for (const step of [...steps.get(a.id)!, ...steps.get(b.id)!]) {
          assert.ok(
            step.status === "succeeded" ||
              (step.status === "skipped" && !step.reason.startsWith("taken:")),
            `${id(step)} ${step.status}: ${step.reason}`,
          );
        }
      } finally {
        await Deno.remove(home, { recursive: true });
      }
    }),
});
