// SLUICE_NOW moves every command's "today": `generate`'s default day is the day before it, and
// the daily partitions that exist (and so which of them wait for data) end on its day.
import assert from "node:assert/strict";
import { runScript } from "../support/deno_script.ts";

async function sluice(home: string, now: string, args: string[]): Promise<string> {
  const env = { SLUICE_HOME: home, SLUICE_NOW: now, SLUICE_LOG_LEVEL: "warn", NO_COLOR: "1" };
  const result = await runScript("sluice.ts", args, env);
  assert.equal(result.code, 0, `sluice ${args.join(" ")}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

Deno.test("SLUICE_NOW sets generate's default day and the days whose partitions exist", async () => {
  const home = await Deno.makeTempDir({ prefix: "sluice-now-" });
  try {
    const generated = await sluice(home, "2026-11-30T12:00:00Z", [
      "generate",
      "--events",
      "300",
      "--days",
      "1",
    ]);
    assert.match(generated, /^Generated 1 day\(s\) from 2026-11-29, seed 42, into /);

    const plan = (now: string) => sluice(home, now, ["materialize", "bronze.orders", "--dry-run"]);
    const step = /^1 +bronze\.orders +2026-11-29 +never materialized$/m;
    // On November 30th the landed 29th is planned; every other day of the year so far waits.
    const onThe30th = await plan("2026-11-30T12:00:00Z");
    assert.match(onThe30th, step);
    assert.match(
      onThe30th,
      /^waiting for data: 333 partitions of 1 asset \(2026-01-01\.\.2026-11-28, 2026-11-30\), newest: bronze\.orders@2026-11-30 \(no data in landing\.orders for 2026-11-30\);/m,
    );
    // Ten days later, the same landing zone: ten more days exist and wait.
    const tenDaysOn = await plan("2026-12-10T12:00:00Z");
    assert.match(tenDaysOn, step);
    assert.match(
      tenDaysOn,
      /^waiting for data: 343 partitions of 1 asset \(2026-01-01\.\.2026-11-28, 2026-11-30\.\.2026-12-10\), newest: bronze\.orders@2026-12-10 \(no data in landing\.orders for 2026-12-10\);/m,
    );
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
