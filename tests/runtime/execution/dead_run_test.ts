// kill -9 of a materializing process: its lease is taken over at once, not after its TTL, both
// by a run started afterwards and by one already waiting for it, and the dead run is recorded
// `abandoned` with the reason. The TTL here is a minute, so waiting it out would fail the test.
import assert from "node:assert/strict";
import type { AssetKey } from "../../../runtime/definitions/asset_key.ts";
import type { PartitionKey } from "../../../runtime/partitions/partition_key.ts";
import type { MetadataStore, RunRecord } from "../../../runtime/store/metadata_store.ts";
import { openMetadataStore } from "../../../resources/postgres/open_metadata_store.ts";
import { needsPostgres, withFreshDatabase } from "../../support/services.ts";

const APP = new URL("./fixtures/crash_app.ts", import.meta.url).pathname;
const KEY = "demo.table" as AssetKey;
const ALL = "" as PartitionKey;
const TTL_MS = 60_000;

interface Target {
  readonly env: Record<string, string>;
  readonly open: () => Promise<MetadataStore>;
}

function app(target: Target, lake: string, env: Record<string, string>): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", APP],
    env: { ...target.env, LAKE_DIR: lake, LEASE_TTL_MS: String(TTL_MS), ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Reads a child's stderr as it comes; `until(pattern)` resolves once a line matches. */
function watch(child: Deno.ChildProcess) {
  let text = "";
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const done = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      text += chunk;
      for (const w of waiters.splice(0)) {
        if (w.pattern.test(text)) w.resolve();
        else waiters.push(w);
      }
    }
  })();
  return {
    text: () => text,
    done,
    until: (pattern: RegExp) =>
      pattern.test(text) ? Promise.resolve() : new Promise<void>((resolve) => {
        waiters.push({ pattern, resolve });
      }),
  };
}

async function waitForFile(path: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      await Deno.stat(path);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`The crash app never reached the commit (${path})`);
}

/** Starts a run that hangs before its commit, holding the lease, and returns it once there. */
async function hangingHolder(target: Target, lake: string): Promise<Deno.ChildProcess> {
  const marker = `${lake}.marker`;
  const child = app(target, lake, { VALUE: "v1", CRASH_MARKER: marker });
  await waitForFile(marker);
  return child;
}

async function output(child: Deno.ChildProcess, stderr: ReturnType<typeof watch>) {
  const stdout = new TextDecoder().decode(await new Response(child.stdout).arrayBuffer());
  const status = await child.status;
  await stderr.done;
  return { code: status.code, stdout: stdout.trim(), stderr: stderr.text() };
}

/** The runs, oldest first. */
async function runsOf(target: Target): Promise<RunRecord[]> {
  const store = await target.open();
  try {
    return [...await store.runs.listRuns(10)].reverse();
  } finally {
    await store.close();
  }
}

async function firstStepDelayMs(target: Target, run: RunRecord): Promise<number> {
  const store = await target.open();
  try {
    const [latest] = await store.partitions.listMaterializations(KEY, ALL, 1);
    assert.equal(latest.runId, run.id);
    return latest.startedAt.getTime() - run.startedAt.getTime();
  } finally {
    await store.close();
  }
}

async function rerunAfterKill(target: Target): Promise<void> {
  const lake = await Deno.makeTempDir({ prefix: "sluice-dead-run-" });
  try {
    const holder = await hangingHolder(target, lake);
    holder.kill("SIGKILL");
    await holder.status;
    await holder.stdout.cancel();
    await holder.stderr.cancel();

    const began = performance.now();
    const rerun = app(target, lake, { VALUE: "v2" });
    const result = await output(rerun, watch(rerun));
    const wallMs = performance.now() - began;
    assert.equal(result.stdout, "succeeded", result.stderr);
    assert.doesNotMatch(result.stderr, /waiting:/);
    assert.ok(wallMs < TTL_MS, `the rerun took ${Math.round(wallMs)} ms: it waited for the TTL`);

    const [dead, next] = await runsOf(target);
    assert.equal(dead.status, "abandoned");
    assert.match(
      String(dead.summary.reason),
      new RegExp(
        `^its process ${dead.host}:${dead.pid} is gone \\(noticed by materialize on ${next.host}:${next.pid}\\)$`,
      ),
    );
    assert.equal(next.status, "succeeded");
    const delay = await firstStepDelayMs(target, next);
    assert.ok(delay < 1_000, `the rerun's first step started ${delay} ms after the run`);
  } finally {
    await Deno.remove(lake, { recursive: true }).catch(() => {});
    await Deno.remove(`${lake}.marker`).catch(() => {});
  }
}

Deno.test("a rerun after kill -9 takes the dead run's lease at once and records it abandoned (PGlite)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sluice-dead-run-pg-" });
  try {
    await rerunAfterKill({
      env: { STORE_DIR: dir },
      open: () => openMetadataStore({ embeddedDir: dir }),
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "a rerun after kill -9 takes the dead run's lease at once and records it abandoned (Postgres)",
  ...needsPostgres(),
  fn: () =>
    withFreshDatabase((url) =>
      rerunAfterKill({
        env: { STORE_URL: url },
        open: () => openMetadataStore({ databaseUrl: url }),
      })
    ),
});

Deno.test({
  name: "a run waiting for a lease takes it over as soon as its holder is killed (Postgres)",
  ...needsPostgres(),
  fn: () =>
    withFreshDatabase(async (url) => {
      const target = {
        env: { STORE_URL: url },
        open: () => openMetadataStore({ databaseUrl: url }),
      };
      const lake = await Deno.makeTempDir({ prefix: "sluice-dead-run-" });
      try {
        const holder = await hangingHolder(target, lake);
        const waiter = app(target, lake, { VALUE: "v2" });
        const stderr = watch(waiter);
        await stderr.until(/waiting: demo\.table is being materialized by run/);
        const killedAt = performance.now();
        holder.kill("SIGKILL");
        await holder.status;
        await holder.stdout.cancel();
        await holder.stderr.cancel();
        await stderr.until(/abandoned: its process \S+ is gone/);
        const noticedMs = performance.now() - killedAt;
        const result = await output(waiter, stderr);
        assert.equal(result.stdout, "succeeded", result.stderr);
        // The waiter polls every 100 ms: it notices within a few polls, not after the TTL.
        assert.ok(noticedMs < 1_000, `noticed ${Math.round(noticedMs)} ms after the kill`);

        const [dead, next] = await runsOf(target);
        assert.equal(dead.status, "abandoned");
        assert.match(
          String(dead.summary.reason),
          new RegExp(
            `^its process ${dead.host}:${dead.pid} is gone \\(noticed by run ${next.id} waiting for demo\\.table \\(unpartitioned\\)\\)$`,
          ),
        );
        assert.equal(next.status, "succeeded");
      } finally {
        await Deno.remove(lake, { recursive: true }).catch(() => {});
        await Deno.remove(`${lake}.marker`).catch(() => {});
      }
    }),
});
