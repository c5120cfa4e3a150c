// `assets` and `materialize` say the same words for partitions waiting for data: an asset is
// fresh when every partition that can run is, with the waiting ones counted beside it; naming
// an asset lists its partitions newest first with runs collapsed; --all and --json keep each.
import assert from "node:assert/strict";
import { runScript } from "../support/deno_script.ts";

const APP = new URL("./fixtures/waiting_app.ts", import.meta.url).pathname;

async function withHome(fn: (run: (...args: string[]) => Promise<string>) => Promise<void>) {
  const home = await Deno.makeTempDir({ prefix: "sluice-cli-waiting-" });
  const run = async (...args: string[]) => {
    const result = await runScript(APP, args, {
      SLUICE_HOME: home,
      NO_COLOR: "1",
      LANDED: "2026-11-20",
    });
    assert.equal(result.code, 0, result.stderr);
    return result.stdout;
  };
  try {
    await fn(run);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

/** The lines of `text`, trailing spaces trimmed (table columns pad with spaces). */
function lines(text: string): string[] {
  return text.trimEnd().split("\n").map((line) => line.trimEnd());
}

Deno.test("materialize names what waits for data in the words assets uses", async () => {
  await withHome(async (run) => {
    const out = lines(await run("materialize"));
    const summary = out.findIndex((line) => line.startsWith("Run "));
    assert.match(out[summary], /^Run \S+ succeeded: 2 succeeded\.$/);
    assert.equal(
      out[summary + 1],
      "waiting for data: 58 partitions of 2 assets (2026-11-01..2026-11-19, " +
        "2026-11-21..2026-11-30), newest: bronze.days@2026-11-30 (no data in landing.days " +
        "for 2026-11-30); `deno task assets KEY` lists them",
    );
    const again = lines(await run("materialize"));
    assert.equal(
      again[0],
      "Everything selected is fresh (2 partitions; 58 partitions waiting for data); nothing to do.",
    );
  });
});

Deno.test("assets rolls an asset up over the partitions that can run, with counts", async () => {
  await withHome(async (run) => {
    await run("materialize");
    const table = lines(await run("assets"));
    assert.deepEqual(table, [
      "ASSET         KIND    GROUP    PARTITIONS                    STATUS  CHECKS  WHY",
      "landing.days  source  landing  1 fresh, 29 waiting for data  fresh",
      "bronze.days   ts      bronze   1 fresh, 29 waiting for data  fresh           no data in landing.days (29)",
      "gold.days     ts      gold     1 fresh, 29 waiting for data  fresh           upstream bronze.days has no data: none in landing.days (29)",
    ]);
  });
});

Deno.test("assets KEY lists partitions newest first, runs of one status and reason collapsed", async () => {
  await withHome(async (run) => {
    await run("materialize");
    assert.deepEqual(lines(await run("assets", "gold.days")), [
      "gold.days (daily from 2026-11-01 to 2026-11-30 (UTC))",
      "fresh: 1 fresh, 29 waiting for data",
      "PARTITION               STATUS   WHY",
      "2026-11-21..2026-11-30  waiting  upstream bronze.days has no data: none in landing.days (10 days)",
      "2026-11-20              fresh",
      "2026-11-01..2026-11-19  waiting  upstream bronze.days has no data: none in landing.days (19 days)",
    ]);
  });
});

Deno.test("assets KEY --all lists every partition and --json keeps each one's causes", async () => {
  await withHome(async (run) => {
    await run("materialize");
    const all = lines(await run("assets", "bronze.days", "--all"));
    assert.equal(all.length, 3 + 30);
    assert.equal(all[3], "2026-11-30  waiting  no data in landing.days");
    assert.equal(all[13], "2026-11-20  fresh");
    assert.equal(all[32], "2026-11-01  waiting  no data in landing.days");
    const [json] = JSON.parse(await run("assets", "bronze.days", "--json"));
    assert.equal(json.status, "fresh");
    assert.deepEqual(json.counts, {
      running: 0,
      failed: 0,
      never: 0,
      waiting: 29,
      stale: 0,
      overdue: 0,
      fresh: 1,
    });
    assert.equal(Object.keys(json.partitionStatuses).length, 30);
    assert.deepEqual(json.partitionStatuses["2026-11-03"], {
      status: "waiting",
      reasons: ["no data in landing.days for 2026-11-03"],
      causes: [{
        kind: "waiting",
        upstream: "landing.days",
        partition: "2026-11-03",
        partitionsRead: 1,
        source: "landing.days",
      }],
    });
  });
});
