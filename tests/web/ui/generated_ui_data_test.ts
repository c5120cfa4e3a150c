import assert from "node:assert/strict";
import { GeneratedUiData } from "../../../web/ui/generated_ui_data.ts";
import { CLOCK } from "./fixtures.ts";

function pipeline(partitions = 30) {
  return new GeneratedUiData({ assets: "pipeline", partitions, clock: CLOCK });
}

Deno.test("GeneratedUiData is the same for the same seed", async () => {
  const a = await pipeline().graph();
  const b = await pipeline().graph();
  assert.deepEqual(a, b);
  assert.equal(a.assets.length, 41);
});

Deno.test("GeneratedUiData sends partition health run-length encoded over every partition", async () => {
  const data = new GeneratedUiData({
    assets: "pipeline",
    partitions: 30,
    clock: CLOCK,
    bigAsset: { key: "bronze.clickstream_hourly", partitions: 100_000 },
  });
  const health = (await data.partitionHealth("bronze.clickstream_hourly"))!;
  assert.equal(health.total, 100_000);
  assert.equal(health.runs.reduce((sum, [, n]) => sum + n, 0), 100_000);
  for (let r = 1; r < health.runs.length; r++) {
    assert.notEqual(health.runs[r][0], health.runs[r - 1][0]);
  }
  // Hourly partitions end with the hour before the clock's day began.
  assert.equal(await data.partitionAt("bronze.clickstream_hourly", 99_999), "2026-11-01T23");
});

Deno.test("GeneratedUiData lineage of a partition holds both ways", async () => {
  const data = pipeline();
  const detail = (await data.partition("gold.fraud_summary", "2026-10-20"))!;
  assert.deepEqual(detail.upstreams.map((r) => `${r.asset} ${r.partition}`), [
    "silver.orders_enriched 2026-10-20",
  ]);
  const upstream = (await data.partition("silver.orders_enriched", "2026-10-20"))!;
  assert.ok(
    upstream.downstreams.some((r) =>
      r.asset === "gold.fraud_summary" && r.partition === "2026-10-20"
    ),
  );
  // A 7-day window reads seven upstream days, and each of them lists it as a reader.
  const window = (await data.partition("gold.user_fraud_scores", "2026-10-20"))!;
  const orders = window.upstreams.filter((r) => r.asset === "silver.orders_enriched");
  assert.deepEqual(orders.map((r) => r.partition), [
    "2026-10-14",
    "2026-10-15",
    "2026-10-16",
    "2026-10-17",
    "2026-10-18",
    "2026-10-19",
    "2026-10-20",
  ]);
  const day = (await data.partition("silver.orders_enriched", "2026-10-14"))!;
  assert.ok(
    day.downstreams.some((r) =>
      r.asset === "gold.user_fraud_scores" && r.partition === "2026-10-20"
    ),
  );
});

Deno.test("GeneratedUiData gives undefined for unknown assets, partitions and runs", async () => {
  const data = pipeline();
  assert.equal(await data.asset("gold.nope"), undefined);
  assert.equal(await data.partition("gold.fraud_summary", "2031-01-01"), undefined);
  assert.equal(await data.partition("gold.fraud_summary", "not-a-day"), undefined);
  assert.equal(await data.partition("models.fraud_detector", "2026-11-01"), undefined);
  assert.equal((await data.partition("models.fraud_detector", ""))?.partition, "");
  assert.equal(await data.run("r-999999"), undefined);
  assert.equal(await data.partitionAt("gold.fraud_summary", 30), undefined);
});

Deno.test("GeneratedUiData materialize queues a run; finishing it turns the partitions fresh", async () => {
  const data = pipeline();
  const { runId } = await data.materialize({
    selection: "gold.fraud_summary",
    partitions: { from: "2026-10-31", to: "2026-11-01" },
  });
  const queued = (await data.run(runId))!;
  assert.equal(queued.status, "queued");
  assert.deepEqual(queued.steps.map((s) => s.partition), ["2026-10-31", "2026-11-01"]);
  data.startRun(runId);
  assert.equal((await data.partition("gold.fraud_summary", "2026-11-01"))!.status, "running");
  data.finishRun(runId);
  const after = (await data.partition("gold.fraud_summary", "2026-11-01"))!;
  assert.equal(after.status, "fresh");
  assert.equal(after.history[0].runId, runId);
  assert.equal((await data.run(runId))!.status, "succeeded");
  assert.match((await data.runLogs(runId, 0, 100)).at(-1)!.message, /run succeeded/);
});

Deno.test("GeneratedUiData refuses a range with no partition and a cancel of an ended run", async () => {
  const data = pipeline();
  await assert.rejects(
    () =>
      data.materialize({
        selection: "gold.fraud_summary",
        partitions: { from: "2030-01-01", to: "2030-01-02" },
      }),
    /no partition of the selection is in that range/,
  );
  await assert.rejects(() => data.cancelRun("r-000001"), /it has already ended: its status is/);
});

Deno.test("GeneratedUiData waitForRunChange wakes on a new log line", async () => {
  const data = pipeline();
  const { runId } = await data.materialize({ selection: "gold.fraud_summary" });
  const seq = (await data.runLogs(runId, 0, 100)).at(-1)!.seq;
  let woke = false;
  const waiting = data.waitForRunChange(runId, seq, new AbortController().signal).then(() => {
    woke = true;
  });
  await Promise.resolve();
  assert.equal(woke, false);
  data.appendLog(runId, "info", "hello");
  await waiting;
  assert.equal(woke, true);
});

Deno.test("GeneratedUiData promote moves the champion and rollback moves it back", async () => {
  const data = pipeline();
  assert.equal((await data.models())[0].champion, "v3");
  await data.promote({ model: "models.fraud_detector", version: "v2", alias: "champion" });
  assert.equal((await data.models())[0].champion, "v2");
  await data.rollback({ model: "models.fraud_detector", alias: "champion" });
  assert.equal((await data.models())[0].champion, "v3");
});
