// Two `materialize` processes on one Postgres, started half a second apart over four days of a
// small daily graph: their runs overlap, every partition's materialize function runs exactly
// once across both (counted), and neither commits a partition the other committed.
import assert from "node:assert/strict";
import type { RunId } from "../../../runtime/store/metadata_store.ts";
import { openMetadataStore } from "../../../resources/postgres/open_metadata_store.ts";
import { needsPostgres, withFreshDatabase } from "../../support/services.ts";
import { ASSETS, DAYS } from "./fixtures/concurrent_app.ts";

const APP = new URL("./fixtures/concurrent_app.ts", import.meta.url).pathname;

function start(env: Record<string, string>): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", APP],
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function finished(child: Deno.ChildProcess): Promise<{ runId: RunId; status: string }> {
  const output = await child.output();
  const text = new TextDecoder();
  assert.equal(output.code, 0, text.decode(output.stderr));
  return JSON.parse(text.decode(output.stdout));
}

/** Every asset partition of the graph (the source is observed, not materialized). */
function everyPartition(): string[] {
  const keys: string[] = [];
  for (const asset of ASSETS) {
    if (asset.kind === "source") continue;
    if (asset.key === "gold.rollup") keys.push(`${asset.key}|`);
    else for (const day of DAYS) keys.push(`${asset.key}|${day}`);
  }
  return keys.sort();
}

Deno.test({
  name:
    "two materialize processes on one Postgres run each partition's materialize function exactly once",
  ...needsPostgres(),
  fn: () =>
    withFreshDatabase(async (url) => {
      const dir = await Deno.makeTempDir({ prefix: "sluice-two-runs-" });
      const env = {
        STORE_URL: url,
        LAKE_DIR: `${dir}/lake`,
        CALLS_FILE: `${dir}/calls`,
        // 25 partitions at 400 ms, two at a time: about 5 s per run, so the runs overlap.
        WORK_MS: "400",
      };
      try {
        // Migrate first, so the two processes race on the work, not on the schema.
        await (await openMetadataStore({ databaseUrl: url })).close();
        const first = start({ ...env, CONCURRENCY: "2" });
        await new Promise((resolve) => setTimeout(resolve, 500));
        // Wider than the first: while two of its steps wait for the first's leases, the other
        // two take days the first has not reached, so both do work.
        const second = start({ ...env, CONCURRENCY: "4" });
        const [a, b] = await Promise.all([finished(first), finished(second)]);
        assert.equal(a.status, "succeeded");
        assert.equal(b.status, "succeeded");

        const lines = (await Deno.readTextFile(env.CALLS_FILE)).trim().split("\n");
        const calls = new Map<string, number>();
        for (const line of lines) {
          const id = line.split("|").slice(0, 2).join("|");
          calls.set(id, (calls.get(id) ?? 0) + 1);
        }
        const twice = [...calls].filter(([, n]) => n > 1);
        assert.deepEqual(twice, [], "materialized more than once");
        assert.deepEqual([...calls.keys()].sort(), everyPartition());
        const pids = new Set(lines.map((line) => line.split("|")[2]));
        assert.equal(pids.size, 2, "one process did all the work: the runs did not overlap");

        const store = await openMetadataStore({ databaseUrl: url });
        try {
          const [runA, runB] = await Promise.all([
            store.runs.getRun(a.runId),
            store.runs.getRun(b.runId),
          ]);
          assert.ok(
            runA!.startedAt < runB!.finishedAt! && runB!.startedAt < runA!.finishedAt!,
            "the two runs did not overlap in time",
          );
          const committed = async (runId: RunId) =>
            (await store.runs.listSteps(runId)).filter((s) => s.status === "succeeded")
              .map((s) => `${s.assetKey}|${s.partition}`);
          const byA = await committed(a.runId);
          const byB = await committed(b.runId);
          assert.deepEqual(byA.filter((id) => byB.includes(id)), [], "committed by both runs");
          assert.deepEqual([...byA, ...byB].sort(), everyPartition());
          // Each committed exactly one materialization per partition, and its attempts were 1.
          for (const runId of [a.runId, b.runId]) {
            for (const step of await store.runs.listSteps(runId)) {
              assert.equal(step.attempts, step.status === "succeeded" ? 1 : 0, step.reason);
            }
          }
        } finally {
          await store.close();
        }
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    }),
});
