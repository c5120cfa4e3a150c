// A freshness policy on a real asset, end to end: marts.dim_users may be at most a day old. Built
// by a run whose clock said 30 hours ago, `deno task assets` shows it overdue with its sentence,
// `deno task materialize` rebuilds it (and only it), and it is fresh again.
import assert from "node:assert/strict";
import { loadDefinitions } from "../../assets/definitions.ts";
import { openInstance } from "../../cli/instance.ts";
import { runGenerator } from "../../generator/run.ts";
import { loadConfig } from "../../resources/config.ts";
import { materialize } from "../../runtime/execution/materialize.ts";
import { FakeClock } from "../support/fake_clock.ts";
import { FIXED_NOW, FIXED_NOW_DATE } from "../support/fixed_now.ts";
import { runScript } from "../support/deno_script.ts";

const HOUR_MS = 3_600_000;

Deno.test("marts.dim_users turns overdue after a day with its sentence, and a run clears it", async () => {
  const home = await Deno.makeTempDir({ prefix: "sluice-freshness-" });
  try {
    // The commands' clocks start at FIXED_NOW; the landed day is four days before it.
    const now = FIXED_NOW_DATE.getTime();
    const day = Date.parse("2026-11-26");
    runGenerator({
      seed: 12,
      events: 2_000,
      days: 1,
      start: day,
      fraudRate: 0.03,
      malformedRate: 0.001,
      landing: `${home}/landing`,
      batchSize: 10_000,
    });
    // Everything built by a run whose clock says 30 hours ago.
    const instance = await openInstance(
      await loadDefinitions(),
      loadConfig({ SLUICE_HOME: home, SLUICE_LOG_LEVEL: "warn" }),
    );
    try {
      const built = await materialize({
        graph: instance.graph,
        store: instance.store,
        lake: instance.lake,
        resources: instance.resources,
        log: instance.log,
        clock: new FakeClock(new Date(now - 30 * HOUR_MS)),
      });
      assert.equal(built.run?.status, "succeeded");
    } finally {
      await instance.close();
    }
    const env = {
      SLUICE_HOME: home,
      SLUICE_LOG_LEVEL: "warn",
      NO_COLOR: "1",
      SLUICE_NOW: FIXED_NOW,
    };
    const sentence = "last materialized 30 h ago; freshness policy allows 24 h";

    const overdue = await runScript("sluice.ts", ["assets", "marts.dim_users"], env);
    assert.equal(overdue.code, 0, overdue.stderr);
    assert.match(overdue.stdout, new RegExp(`overdue\\s+${sentence}`));

    const rerun = await runScript("sluice.ts", ["materialize"], env);
    assert.equal(rerun.code, 0, rerun.stdout + rerun.stderr);
    const ran = rerun.stdout.split("\n").filter((line) => /\s(succeeded|failed)\s/.test(line));
    assert.deepEqual(ran.map((line) => line.split(/\s+/).slice(0, 3)), [
      ["marts.dim_users", "-", "succeeded"],
    ]);
    assert.match(ran[0], new RegExp(sentence));

    const fresh = await runScript("sluice.ts", ["assets", "marts.dim_users"], env);
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.doesNotMatch(fresh.stdout, /overdue/);
    assert.match(fresh.stdout, /fresh/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
