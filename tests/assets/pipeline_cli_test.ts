// `deno task materialize` on a fresh home with no configuration: it generates a default history,
// builds every layer, trains the fraud model and promotes a champion that scores the orders,
// then finds everything fresh; a newly landed day runs only its own partitions and what reads
// them. Every command's clock starts at FIXED_NOW (2026-11-30 12:00 UTC), so the history is
// 2026-11-20..2026-11-29 and the counts the commands print are known.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { runGenerator } from "../../generator/run.ts";
import { FIXED_NOW, FIXED_NOW_DATE } from "../support/fixed_now.ts";
import { pipelinePartitions } from "../support/pipeline_partitions.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The default history at FIXED_NOW: ten days ending the day before. */
const FIRST_DAY = "2026-11-20";
const LAST_DAY = "2026-11-29";
const HISTORY_DAYS = 10;

async function materialize(home: string): Promise<{ stdout: string }> {
  return { stdout: await sluice(home, ["materialize"]) };
}

/** The stdout of a successful `sluice ARGS` in `home`. */
async function sluice(home: string, args: string[]): Promise<string> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", "sluice.ts", ...args],
    cwd: ROOT,
    env: { SLUICE_HOME: home, SLUICE_LOG_LEVEL: "warn", SLUICE_NOW: FIXED_NOW },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, `sluice ${args.join(" ")} failed:\n${stdout}\n${stderr}`);
  return stdout;
}

/** `asset partition status` of each run-table row. */
function runTable(stdout: string): { asset: string; partition: string; status: string }[] {
  return stdout.split("\n")
    .filter((line) =>
      /^(bronze|staging|silver|gold|seeds|warehouse|marts|models)\.[\w.]+\s/.test(line)
    )
    .map((line) => {
      const [asset, partition, status] = line.split(/\s+/);
      return { asset, partition, status };
    });
}

/** 10043 → "10,043", as the commands print counts. */
const counted = (n: number) => n.toLocaleString("en-US");

Deno.test("materialize on a fresh home generates history, builds every layer and a champion, then is fresh; a new day runs only itself", async () => {
  const home = await Deno.makeTempDir({ prefix: "sluice-e2e-" });
  try {
    const day = LAST_DAY;
    const first = await materialize(home);
    assert.ok(
      first.stdout.includes(
        `The landing zone ${home}/landing is empty: generating 10 days of history, ` +
          `${FIRST_DAY}..${LAST_DAY}, 300,000 events, first.\n` +
          "Landed 300,000 events (325 malformed, 1459 orders labelled fraud) in ",
      ),
      first.stdout,
    );
    const built = runTable(first.stdout);
    for (
      const asset of [
        "bronze.orders",
        "bronze.rejected_events",
        "silver.orders_enriched",
        "silver.users",
        "gold.revenue_daily",
        "gold.fraud_summary",
        "gold.user_fraud_scores",
        "gold.fraud_alerts",
        "warehouse.gold.revenue_daily",
        "warehouse.silver.orders_enriched",
        "gold.order_risk_scores",
        "warehouse.gold.order_risk_scores",
      ]
    ) {
      assert.ok(
        built.some((row) =>
          row.asset === asset && row.partition === day && row.status === "succeeded"
        ),
        `${asset} ${day} was not built:\n${first.stdout}`,
      );
    }
    // The marts are built in the embedded warehouse too (unpartitioned: partition "-").
    for (const mart of ["marts.fact_orders", "marts.dim_users", "marts.fact_fraud_events"]) {
      assert.ok(
        built.some((row) => row.asset === mart && row.status === "succeeded"),
        `${mart} was not built:\n${first.stdout}`,
      );
    }
    assert.ok(built.every((row) => row.status === "succeeded"), first.stdout);
    assert.match(first.stdout, /Next:/);
    // The model trained for each day, and one version is the champion that scored them.
    const models = JSON.parse(await sluice(home, ["models", "--json"]));
    assert.equal(models.filter((v: { champion: boolean }) => v.champion).length, 1);

    // The rendered SQL of a mart, refs resolved to the relations the engine reads, and every
    // mart's checks passed.
    const sql = await sluice(home, ["assets", "--sql", "marts.fact_orders"]);
    assert.match(sql, /from "silver"\."orders_enriched" as o/);
    assert.match(sql, /from "silver"\."payments"/);
    assert.doesNotMatch(sql, /\{\{/);
    const assets = await sluice(home, ["assets", "--no-observe"]);
    for (const mart of ["marts.fact_orders", "marts.dim_users", "marts.fact_fraud_events"]) {
      assert.match(assets, new RegExp(`${mart.replace(".", "\\.")}\\s.*fresh\\s+\\d+ passed`));
    }

    const second = await materialize(home);
    // Each daily asset has one fresh partition per day of history (a model's shifted a day on,
    // as it trains on the days before it), each unpartitioned one is fresh, and every other
    // partition that exists waits for landed data: the days before the history, the model's
    // first day of it and FIXED_NOW's day (31 daily and 7 unpartitioned assets when written:
    // 317 fresh, 10,043 waiting).
    const partitions = await pipelinePartitions(FIXED_NOW_DATE);
    const freshCount = HISTORY_DAYS * partitions.daily + partitions.unpartitioned;
    const [fresh, waiting] = [counted(freshCount), counted(partitions.existing - freshCount)];
    const lines = second.stdout.split("\n");
    assert.equal(
      lines[0],
      `Everything selected is fresh (${fresh} partitions; ${waiting} partitions waiting for data); nothing to do.`,
    );
    assert.equal(
      lines[1],
      `waiting for data: ${waiting} partitions of ${partitions.daily} assets ` +
        `(2026-01-01..${FIRST_DAY}, 2026-11-30), newest: bronze.orders@2026-11-30 ` +
        "(no data in landing.orders for 2026-11-30); `deno task assets KEY` lists them",
    );
    assert.equal(runTable(second.stdout).length, 0);

    // The day before the history: every partition it changes is that day or later.
    const earlier = "2026-11-19";
    runGenerator({
      seed: 7,
      events: 5_000,
      days: 1,
      start: Date.parse(earlier),
      fraudRate: 0.03,
      malformedRate: 0.001,
      landing: `${home}/landing`,
      batchSize: 10_000,
    });
    const third = await materialize(home);
    // One partition of each daily asset stops waiting: the new day's (the model's a day on).
    const waitingAfter = counted(partitions.existing - freshCount - partitions.daily);
    assert.ok(
      third.stdout.includes(
        `\nwaiting for data: ${waitingAfter} partitions of ${partitions.daily} assets ` +
          `(2026-01-01..${earlier}, 2026-11-30), newest: bronze.orders@2026-11-30 ` +
          "(no data in landing.orders for 2026-11-30);",
      ),
      third.stdout,
    );
    const rows = runTable(third.stdout);
    const bronze = rows.filter((row) => row.asset.startsWith("bronze."));
    assert.equal(bronze.length, 7, third.stdout);
    assert.ok(bronze.every((row) => row.partition === earlier), third.stdout);
    // Its downstreams: the new day itself, and later days whose history windows now include it.
    assert.ok(rows.every((row) => row.partition === "-" || row.partition >= earlier), third.stdout);
    assert.ok(rows.some((row) => row.asset === "silver.orders_enriched" && row.partition === day));
    assert.ok(!rows.some((row) => row.asset.startsWith("seeds.")), third.stdout);
    // An earlier day's late orders reach the incremental mart through its merge.
    assert.ok(rows.some((row) => row.asset === "marts.fact_orders"), third.stdout);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
