// `deno task daemon` as a user runs it (sluice.ts, the project's schedules/): /health and
// /metrics while it runs, SIGTERM stops it with exit 0 and records it, a second daemon on the
// embedded store gets the one-line error, and --health reflects its heartbeat.
import assert from "node:assert/strict";
import { openMetadataStore } from "../../resources/postgres/open_metadata_store.ts";
import { finish, runScript, scriptCommand } from "../support/deno_script.ts";
import { createFreshDatabase, needsPostgres } from "../support/services.ts";

function freePort(): number {
  const listener = Deno.listen({ port: 0, hostname: "127.0.0.1" });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function waitForHealth(port: number, timeoutMs: number): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health`);
      const body = await response.json();
      if (response.status === 200) return body;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      throw new Error(`daemon not healthy on port ${port} in ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function baseEnv(home: string, extra: Record<string, string>): Record<string, string> {
  const env = { ...Deno.env.toObject() };
  delete env.DATABASE_URL;
  delete env.KAFKA_BROKERS;
  return { ...env, SLUICE_HOME: home, SLUICE_LOG_FORMAT: "json", ...extra };
}

Deno.test({
  name: "daemon serves /health and /metrics, and SIGTERM stops it with exit 0, recorded stopped",
  ...needsPostgres(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const database = await createFreshDatabase();
    const home = await Deno.makeTempDir({ prefix: "sluice-daemon-cli-" });
    const port = freePort();
    const env = baseEnv(home, {
      DATABASE_URL: database.url,
      SLUICE_DAEMON_PORT: String(port),
      SLUICE_DAEMON_HEARTBEAT_TTL_MS: "3000",
    });
    const child = scriptCommand("sluice.ts", ["daemon"], env).spawn();
    try {
      const health = await waitForHealth(port, 60_000);
      assert.equal(health.status, "ok");
      assert.match(String(health.daemon), /^.+:\d+:[0-9a-f]{4}$/);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      for (
        const name of [
          "sluice_run_queue_depth",
          "sluice_daemon_claim_seconds",
          "sluice_daemon_sensor_evaluations_total",
          "sluice_daemon_runs_in_progress",
        ]
      ) {
        assert.match(metrics, new RegExp(`^# TYPE ${name} `, "m"), name);
      }
      assert.equal((await fetch(`http://127.0.0.1:${port}/nope`)).status, 404);
      const alive = await runScript("sluice.ts", ["daemon", "--health"], env);
      assert.equal(alive.code, 0, alive.stderr);

      child.kill("SIGTERM");
      const result = await finish(child);
      assert.equal(result.code, 0, result.stderr);
      assert.match(
        result.stderr,
        /"message":"daemon \S+ stopped: 0 request\(s\) finished, 0 re-queued"/,
      );
      const store = await openMetadataStore({ databaseUrl: database.url });
      try {
        const [daemon] = await store.queue.listDaemons(1);
        assert.equal(daemon.status, "stopped");
        assert.equal(daemon.note, "stopped: 0 finished, 0 re-queued");
        assert.deepEqual(await store.queue.liveDaemons(), []);
      } finally {
        await store.close();
      }
    } finally {
      try {
        child.kill("SIGKILL");
      } catch { /* exited */ }
      await database.drop();
      await Deno.remove(home, { recursive: true });
    }
  },
});

Deno.test({
  name: "on the embedded store a second daemon gets the one-line busy error at once",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const home = await Deno.makeTempDir({ prefix: "sluice-daemon-embedded-" });
    const port = freePort();
    const env = baseEnv(home, { SLUICE_DAEMON_PORT: String(port) });
    const first = scriptCommand("sluice.ts", ["daemon"], env).spawn();
    try {
      await waitForHealth(port, 90_000);
      const second = await runScript("sluice.ts", ["daemon"], { ...env, SLUICE_DAEMON_PORT: "0" });
      assert.equal(second.code, 1);
      const lines = second.stderr.trim().split("\n");
      assert.equal(lines.length, 1, second.stderr);
      assert.equal(
        lines[0],
        `error: The embedded metadata store at ${home}/pg is in use by pid ${first.pid} ` +
          "(sluice daemon); wait for it to finish or set DATABASE_URL to a Postgres server to run " +
          "several processes at once",
      );
      assert.ok(second.ms < 15_000, `the second daemon took ${second.ms} ms to give up`);
      first.kill("SIGTERM");
      assert.equal((await finish(first)).code, 0);
    } finally {
      try {
        first.kill("SIGKILL");
      } catch { /* exited */ }
      await Deno.remove(home, { recursive: true });
    }
  },
});
