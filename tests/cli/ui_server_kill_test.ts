// kill -9 of a UI process while it runs a request it claimed itself (no daemon was live): its
// claim was a registered in-place claimer's, so the daemon started next notices at once (its
// process is gone), re-queues the request once, frees its run's leases and marks the run
// abandoned; the retry and the rest of the range run there, and every partition commits once.
import assert from "node:assert/strict";
import { openMetadataStore } from "../../resources/postgres/open_metadata_store.ts";
import type { RunRequestId } from "../../runtime/store/metadata_store.ts";
import { createFreshDatabase, needsPostgres } from "../support/services.ts";
import {
  assertCommittedOnce,
  assertDaemonDead,
  callsByPartition,
  readCalls,
  waitFor,
} from "../support/slow_calls.ts";

const APP = new URL("./fixtures/ui_kill_app.ts", import.meta.url).pathname;
const DAYS = ["2026-11-01", "2026-11-02", "2026-11-03"];

/** Reads the child's stdout until the UI prints where it listens. */
async function uiUrl(child: Deno.ChildProcess): Promise<string> {
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the UI exited before it listened: ${text}`);
    text += value;
    const match = /Sluice UI on (http:\/\/\S+)/.exec(text);
    if (match) {
      reader.releaseLock();
      return match[1];
    }
  }
}

Deno.test({
  name:
    "kill -9 of a UI running a request it claimed: a daemon re-queues it once, frees its leases, and each partition commits once",
  ...needsPostgres(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const database = await createFreshDatabase();
    const home = await Deno.makeTempDir({ prefix: "sluice-ui-kill-" });
    const calls = `${home}/calls.txt`;
    const env = {
      ...Deno.env.toObject(),
      DATABASE_URL: database.url,
      SLUICE_HOME: home,
      HOST: "127.0.0.1",
      PORT: "0",
      SLUICE_DAEMON_PORT: "0",
      SLUICE_DAEMON_HEARTBEAT_TTL_MS: "3000",
      SLUICE_DAEMON_POLL_MS: "100",
      // Far longer than the test: only freeing them lets the retry start.
      SLUICE_LEASE_TTL_MS: "600000",
      SLUICE_CONCURRENCY: "1",
      SLUICE_LOG_LEVEL: "warn",
      CALLS_FILE: calls,
      SLOW_MS: "3000",
    };
    delete (env as Record<string, string | undefined>).KAFKA_BROKERS;
    const store = await openMetadataStore({ databaseUrl: database.url });
    const spawn = (command: string) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--quiet", APP, command],
        env,
        stdout: "piped",
        stderr: "null",
      }).spawn();
    const ui = spawn("ui");
    let daemon: Deno.ChildProcess | undefined;
    try {
      const url = await uiUrl(ui);
      const page = await fetch(`${url}/runs`);
      const cookie = page.headers.getSetCookie()[0].split(";")[0];
      const token = (await page.text()).match(/<meta name="csrf-token" content="([^"]+)"/)![1];
      const posted = await fetch(`${url}/actions/materialize`, {
        method: "POST",
        redirect: "manual",
        headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          _csrf: token,
          selection: "demo.slow",
          from: DAYS[0],
          to: DAYS[2],
        }),
      });
      await posted.body?.cancel();
      assert.equal(posted.status, 303);
      assert.equal(posted.headers.get("location"), "/runs");
      // Mid-run: the UI is materializing the first day of the first request.
      await waitFor("the first partition to start", 60_000, async () => {
        return (await readCalls(calls)).length >= 1 ? true : undefined;
      });
      const claimed = (await store.queue.get("1" as RunRequestId))!;
      assert.equal(claimed.status, "running");
      assert.match(claimed.claimedBy ?? "", /^in-place:ui@/);
      assert.equal(claimed.daemonId, claimed.claimedBy);
      assert.equal((await store.queue.get("2" as RunRequestId))?.status, "queued");
      ui.kill("SIGKILL");
      await ui.status;
      await ui.stdout.cancel().catch(() => {});

      const killedAt = performance.now();
      daemon = spawn("daemon");
      const done = await waitFor("the three requests to end", 120_000, async () => {
        const requests = await store.queue.list();
        return requests.length === 3 &&
            requests.every((r) => r.status !== "queued" && r.status !== "running")
          ? requests
          : undefined;
      });
      const retryMs = performance.now() - killedAt;
      const first = done.find((r) => r.id === "1")!;
      assert.deepEqual(
        done.map((r) => [r.id, r.status, r.partitions, r.requeues]),
        [["3", "succeeded", DAYS[2], 0], ["2", "succeeded", DAYS[1], 0], [
          "1",
          "succeeded",
          DAYS[0],
          1,
        ]],
      );
      assert.equal(first.claims, 2);
      assert.equal(first.runIds.length, 2);
      assert.doesNotMatch(first.claimedBy ?? "", /^in-place:/);
      const abandoned = (await store.runs.getRun(first.runIds[0]))!;
      assert.equal(abandoned.status, "abandoned");
      // Marked by the reaper, or by a run that found its lease's holder dead first.
      assert.match(
        String(abandoned.summary.reason),
        /^(daemon in-place:ui@\S+ died|its process \S+ is gone)/,
      );
      assert.equal((await store.runs.getRun(first.runIds[1]))?.status, "succeeded");
      await assertDaemonDead(store, claimed.claimedBy);
      await assertCommittedOnce(store, DAYS);
      // The day the UI was in the middle of ran twice (never committed by it), the others once.
      const perPartition = await callsByPartition(calls);
      assert.deepEqual([...perPartition.keys()].sort(), DAYS);
      assert.deepEqual(perPartition.get(DAYS[0])?.[0], ui.pid);
      assert.equal(perPartition.get(DAYS[0])?.length, 2);
      assert.equal(perPartition.get(DAYS[1])?.length, 1);
      assert.equal(perPartition.get(DAYS[2])?.length, 1);
      console.log(`the range finished ${Math.round(retryMs)} ms after the kill`);
    } finally {
      for (const child of [ui, daemon]) {
        try {
          child?.kill("SIGTERM");
        } catch { /* already gone */ }
      }
      await Promise.all([ui.status, daemon?.status]);
      await store.close();
      await database.drop();
      await Deno.remove(home, { recursive: true });
    }
  },
});
