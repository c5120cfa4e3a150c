// A day whose every event was rejected flows through every layer as empty partitions: bronze
// holds only quarantine, and staging, silver, gold, the warehouse and the marts build with no
// rows for it (a ref to an upstream with no file reads as an empty relation of its columns),
// beside a normal day before it.
import assert from "node:assert/strict";
import { runGenerator } from "../../generator/run.ts";
import { runScript } from "../support/deno_script.ts";
import { FIXED_NOW, FIXED_NOW_DATE } from "../support/fixed_now.ts";
import { pipelinePartitions } from "../support/pipeline_partitions.ts";

/** `asset partition status rows` of each run-table row. */
function runTable(stdout: string) {
  return stdout.split("\n")
    .filter((line) => /^(bronze|staging|silver|gold|seeds|warehouse|marts)\.[\w.]+\s/.test(line))
    .map((line) => {
      const [asset, partition, status, rows] = line.split(/\s+/);
      return { asset, partition, status, rows };
    });
}

Deno.test("a day of only rejected events builds every layer as empty partitions", async () => {
  const home = await Deno.makeTempDir({ prefix: "sluice-empty-day-" });
  try {
    // The commands' clocks start at FIXED_NOW (2026-11-30 12:00): three days before it is the
    // empty day, and the normal day is the one before that.
    const day = "2026-11-27";
    const before = "2026-11-26";
    const [empty, normal] = [Date.parse(day), Date.parse(before)];
    const land = (start: number, malformedRate: number, seed: number) =>
      runGenerator({
        seed,
        events: 1_500,
        days: 1,
        start,
        fraudRate: 0.03,
        malformedRate,
        landing: `${home}/landing`,
        batchSize: 10_000,
      });
    land(normal, 0.001, 21);
    const rejected = land(empty, 1, 22);
    const env = {
      SLUICE_HOME: home,
      SLUICE_LOG_LEVEL: "warn",
      NO_COLOR: "1",
      SLUICE_NOW: FIXED_NOW,
    };

    const result = await runScript("sluice.ts", ["materialize"], env);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    // Two days train no fraud model, so nothing is champion: the scores wait for one.
    const scoring = (r: { asset: string }) => r.asset.endsWith("gold.order_risk_scores");
    const waiting = runTable(result.stdout).filter(scoring);
    assert.deepEqual(
      waiting.map((r) => `${r.asset}@${r.partition} ${r.status}`).sort(),
      [
        "gold.order_risk_scores@2026-11-26 skipped",
        "gold.order_risk_scores@2026-11-27 skipped",
        "warehouse.gold.order_risk_scores@2026-11-26 skipped",
        "warehouse.gold.order_risk_scores@2026-11-27 skipped",
      ],
      result.stdout,
    );
    // As many partitions as the two days have, plus every unpartitioned asset, are built: the
    // model's are a day on from its data (the 27th and the 28th; the 26th waits for the 25th).
    const partitions = await pipelinePartitions(FIXED_NOW_DATE);
    const built = 2 * partitions.daily + partitions.unpartitioned - waiting.length;
    assert.match(
      result.stdout,
      new RegExp(`^Run \\S+ succeeded: ${built} succeeded, 4 skipped\\.$`, "m"),
    );
    const rows = runTable(result.stdout).filter((r) => !scoring(r));
    assert.deepEqual(rows.filter((r) => r.status !== "succeeded"), []);
    const ofDay = rows.filter((r) => r.partition === day);
    for (
      const layer of ["bronze.orders", "staging.orders", "silver.orders_enriched", "silver.users"]
    ) {
      assert.ok(ofDay.some((r) => r.asset === layer), `${layer}@${day} did not run`);
    }
    for (const prefix of ["gold.", "warehouse."]) {
      assert.equal(
        ofDay.filter((r) => r.asset.startsWith(prefix)).length,
        prefix === "gold." ? 4 : 6,
      );
    }
    // The quarantine holds every event of the day; the day's own tables hold nothing; the
    // as-of-day views (latest profiles, 30-day scores) hold what they held the day before.
    const rowsOf = (asset: string, partition: string) =>
      rows.find((r) => r.asset === asset && r.partition === partition)?.rows;
    const carried = ["silver.users", "gold.user_fraud_scores", "warehouse.gold.user_fraud_scores"];
    for (const row of ofDay) {
      const expected = row.asset === "bronze.rejected_events"
        ? String(rejected.events)
        : carried.includes(row.asset)
        ? rowsOf(row.asset, before)
        : "0";
      assert.equal(row.rows, expected, `${row.asset}@${day}`);
    }
    assert.equal(rowsOf("silver.users", before), "297");
    for (const mart of ["marts.fact_orders", "marts.dim_users", "marts.fact_fraud_events"]) {
      assert.ok(rows.some((r) => r.asset === mart && r.status === "succeeded"), mart);
    }

    const again = await runScript("sluice.ts", ["materialize"], env);
    assert.equal(again.code, 0, again.stderr);
    const waitingAgain = (partitions.existing - built).toLocaleString("en-US");
    assert.equal(
      again.stdout.split("\n").slice(0, 2).join("\n"),
      `Everything selected is fresh (${built} partitions; ${waitingAgain} partitions waiting for data); nothing to do.\n` +
        `waiting for data: ${waitingAgain} partitions of ${partitions.daily} assets (2026-01-01..2026-11-30), ` +
        "newest: bronze.orders@2026-11-30 (no data in landing.orders for 2026-11-30); " +
        "`deno task assets KEY` lists them",
    );
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
