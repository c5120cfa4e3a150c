// `deno task materialize` on a fresh home with no configuration: it generates a default history,
// builds every layer, trains the fraud model and promotes a champion that scores the orders,
// then finds everything fresh; a newly landed day runs only its own partitions and what reads
// them.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { defaultDayStart, defaultHistoryStart } from "../../assets/default_day.ts";
import { runGenerator } from "../../generator/run.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DAY_MS = 86_400_000;

async function materialize(home: string): Promise<{ stdout: string }> {
  return { stdout: await sluice(home, ["materialize"]) };
}

/** The stdout of a successful `sluice ARGS` in `home`. */
async function sluice(home: string, args: string[]): Promise<string> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", "sluice.ts", ...args],
    cwd: ROOT,
    env: { SLUICE_HOME: home, SLUICE_LOG_LEVEL: "warn" },
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

Deno.test("materialize on a fresh home generates history, builds every layer and a champion, then is fresh; a new day runs only itself", async () => {
  const home = await Deno.makeTempDir({ prefix: "sluice-e2e-" });
  try {
    const day = new Date(defaultDayStart(new Date())).toISOString().slice(0, 10);
    const first = await materialize(home);
    assert.match(
      first.stdout,
      /landing zone .* is empty: generating 10 days of history, .*, 300,000 events, first/,
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
    assert.match(second.stdout, /Everything selected is fresh \(\d+ partitions\); nothing to do\./);
    assert.equal(runTable(second.stdout).length, 0);

    // The day before the history: every partition it changes is that day or later.
    const earlier = new Date(defaultHistoryStart(new Date()) - DAY_MS).toISOString().slice(0, 10);
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
