// End to end on the real broker: `deno task ingest` and `deno task daemon` (the project's
// schedules/) running while `generate --kafka` produces a burst of today's events (SLUICE_NOW's
// day): the daemon's sensors and eager conditions carry every order into gold, and then the
// warehouse lane publishes it; both processes stop on SIGTERM with exit 0.
import assert from "node:assert/strict";
import { openMetadataStore } from "../../resources/postgres/open_metadata_store.ts";
import { finish, runScript, scriptCommand } from "../support/deno_script.ts";
import {
  covers,
  deletePrefixedTopics,
  goldCoverage,
  readOrders,
} from "../support/order_lineage.ts";
import {
  createFreshDatabase,
  needsKafka,
  needsPostgres,
  requireTestVariable,
} from "../support/services.ts";
import { FIXED_NOW } from "../support/fixed_now.ts";

async function waitFor(what: string, timeoutMs: number, probe: () => Promise<boolean>) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

Deno.test({
  name:
    "with ingest and the daemon running, every produced order reaches gold and the warehouse follows",
  ignore: needsPostgres().ignore || needsKafka().ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const brokers = requireTestVariable("SLUICE_TEST_KAFKA_BROKERS");
    const database = await createFreshDatabase();
    const home = await Deno.makeTempDir({ prefix: "sluice-daemon-kafka-" });
    const prefix = `daemon${crypto.randomUUID().slice(0, 6)}.`;
    // Every process's clock starts at FIXED_NOW: "today" is its day, whatever the date.
    const day = FIXED_NOW.slice(0, 10);
    const env = {
      ...Deno.env.toObject(),
      DATABASE_URL: database.url,
      SLUICE_HOME: home,
      KAFKA_BROKERS: brokers,
      KAFKA_TOPIC_PREFIX: prefix,
      SLUICE_DAEMON_PORT: "0",
      SLUICE_AUTOMATION_INTERVAL_MS: "1000",
      SLUICE_LOG_LEVEL: "warn",
      SLUICE_NOW: FIXED_NOW,
    };
    delete (env as Record<string, string | undefined>).SLUICE_LAKE;
    const store = await openMetadataStore({ databaseUrl: database.url });
    const ingest = scriptCommand("sluice.ts", ["ingest"], env).spawn();
    const daemon = scriptCommand("sluice.ts", ["daemon"], env).spawn();
    try {
      await waitFor(
        "the daemon",
        120_000,
        async () => (await store.queue.liveDaemons()).length > 0,
      );
      const generated = await runScript(
        "sluice.ts",
        ["generate", "--kafka", "--events", "3000", "--start", day],
        env,
      );
      assert.equal(generated.code, 0, generated.stderr);
      const orders = await readOrders(brokers.split(","), prefix, 0);
      assert.ok(orders.length > 100, `${orders.length} orders read`);
      await waitFor(
        "gold to hold every order",
        300_000,
        async () => covers(await goldCoverage(store, day), orders),
      );
      await waitFor(
        "the warehouse lane to publish",
        300_000,
        async () =>
          (await store.queue.list({ statuses: ["succeeded"], limit: 1000 }))
            .some((r) => r.tags.warehouse === "publish" && r.selection.includes("warehouse.gold")),
      );
      const requests = await store.queue.list({ limit: 1000 });
      assert.deepEqual(requests.filter((r) => r.claims !== 1), []);
      assert.equal(new Set(requests.map((r) => r.origin)).has("automation"), true);
    } finally {
      daemon.kill("SIGTERM");
      ingest.kill("SIGTERM");
      const [stoppedDaemon, stoppedIngest] = await Promise.all([finish(daemon), finish(ingest)]);
      await store.close();
      await database.drop();
      await Deno.remove(home, { recursive: true });
      await deletePrefixedTopics(brokers.split(","), prefix);
      assert.equal(stoppedDaemon.code, 0, stoppedDaemon.stderr.slice(-2000));
      assert.equal(stoppedIngest.code, 130, stoppedIngest.stderr.slice(-2000));
    }
  },
});
