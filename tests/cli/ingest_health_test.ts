// `deno task ingest --health`, compose's health check: healthy only while an ingester on this host
// recorded itself alive in the last minute.
import assert from "node:assert/strict";
import { livenessFile, touchLiveness } from "../../cli/liveness.ts";
import { runScript } from "../support/deno_script.ts";

Deno.test("ingest --health fails until an ingester recorded itself alive, then passes", async () => {
  const home = await Deno.makeTempDir({ prefix: "sluice-health-" });
  try {
    const env = { SLUICE_HOME: home, KAFKA_BROKERS: "127.0.0.1:9", SLUICE_LAKE: `${home}/lake` };
    const before = await runScript("sluice.ts", ["ingest", "--health"], env);
    assert.equal(before.code, 1, before.stderr);
    assert.match(before.stderr, /ingest: not alive in the last 60 s/);
    const file = livenessFile(home, "ingest");
    await touchLiveness(file);
    const after = await runScript("sluice.ts", ["ingest", "--health"], env);
    assert.equal(after.code, 0, after.stderr);
    // A record older than a minute is a hung or dead ingester.
    const old = new Date(Date.now() - 120_000);
    await Deno.utime(file, old, old);
    const stale = await runScript("sluice.ts", ["ingest", "--health"], env);
    assert.equal(stale.code, 1, stale.stderr);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
