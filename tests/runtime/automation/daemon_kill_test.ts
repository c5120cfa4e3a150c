// kill -9 one of three daemon processes (the real `daemon` command) while it runs a request over
// eight partitions: another daemon notices at once (its process is gone), re-queues the request
// once and frees its run's leases; the retry skips what was committed, and every asset
// partition is committed exactly once.
import assert from "node:assert/strict";
import { openMetadataStore } from "../../../resources/postgres/open_metadata_store.ts";
import { createFreshDatabase, needsPostgres } from "../../support/services.ts";
import {
  assertCommittedOnce,
  assertDaemonDead,
  callsByPartition,
  readCalls,
  waitFor,
} from "../../support/slow_calls.ts";

const APP = new URL("./fixtures/daemon_app.ts", import.meta.url).pathname;
const DAYS = Array.from({ length: 8 }, (_, i) => `2026-11-0${i + 1}`);

Deno.test({
  name:
    "kill -9 of one of three daemons mid-run: its request is retried once by another and each partition commits once",
  ...needsPostgres(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const database = await createFreshDatabase();
    const home = await Deno.makeTempDir({ prefix: "sluice-daemon-kill-" });
    const calls = `${home}/calls.txt`;
    const env = {
      ...Deno.env.toObject(),
      DATABASE_URL: database.url,
      SLUICE_HOME: home,
      SLUICE_DAEMON_PORT: "0",
      SLUICE_DAEMON_HEARTBEAT_TTL_MS: "3000",
      SLUICE_DAEMON_POLL_MS: "100",
      SLUICE_CONCURRENCY: "1",
      SLUICE_LOG_LEVEL: "warn",
      CALLS_FILE: calls,
      SLOW_MS: "700",
    };
    const store = await openMetadataStore({ databaseUrl: database.url });
    const daemons = [1, 2, 3].map(() =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--quiet", APP, "daemon"],
        env,
        stdout: "null",
        stderr: "piped",
      }).spawn()
    );
    const stderr = daemons.map((child) => new Response(child.stderr).text());
    try {
      await waitFor(
        "three live daemons",
        60_000,
        async () => (await store.queue.liveDaemons()).length === 3 ? true : undefined,
      );
      const [id] = await store.queue.enqueue([{
        kind: "materialize",
        selection: "demo.slow",
        partitions: "2026-11-01..2026-11-08",
        tags: {},
        origin: "cli",
      }]);
      // Mid-run: two partitions committed, the third being materialized.
      await waitFor(
        "the third partition to start",
        60_000,
        async () => (await readCalls(calls)).length >= 3 ? true : undefined,
      );
      const claimed = (await store.queue.get(id))!;
      const victim = (await store.queue.listDaemons(10)).find((d) => d.id === claimed.daemonId)!;
      const child = daemons.find((d) => d.pid === victim.pid)!;
      const killedAt = performance.now();
      child.kill("SIGKILL");
      await child.status;

      const done = await waitFor("the request to finish", 120_000, async () => {
        const now = await store.queue.get(id);
        return now?.status === "succeeded" || now?.status === "failed" ? now : undefined;
      });
      const retryMs = performance.now() - killedAt;
      assert.equal(done.status, "succeeded", done.message);
      assert.equal(done.requeues, 1);
      assert.equal(done.claims, 2);
      assert.equal(done.runIds.length, 2);
      assert.notEqual(done.daemonId, victim.id);
      assert.equal((await store.runs.getRun(done.runIds[0]))?.status, "abandoned");
      assert.equal((await store.runs.getRun(done.runIds[1]))?.status, "succeeded");
      await assertDaemonDead(store, victim.id);
      // Every partition committed exactly once, counted through the store.
      await assertCommittedOnce(store, DAYS);
      // The partition the dead daemon was in the middle of ran twice (never committed by it);
      // the two it had committed were not run again.
      const perPartition = await callsByPartition(calls);
      const twice = [...perPartition].filter(([, pids]) => pids.length > 1);
      assert.equal(twice.length, 1);
      assert.equal(twice[0][1][0], victim.pid);
      assert.equal(perPartition.size, 8);
      console.log(
        `retry finished ${Math.round(retryMs)} ms after the kill (heartbeat TTL 3000 ms)`,
      );
    } finally {
      for (const child of daemons) {
        try {
          child.kill("SIGTERM");
        } catch { /* already gone */ }
      }
      await Promise.all(daemons.map((child) => child.status));
      const outputs = await Promise.all(stderr);
      if (outputs.some((text) => /error/i.test(text))) console.error(outputs.join("\n---\n"));
      await store.close();
      await database.drop();
      await Deno.remove(home, { recursive: true });
    }
  },
});
