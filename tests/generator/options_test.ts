import assert from "node:assert/strict";
import { FlagError } from "../../generator/errors.ts";
import { parseGeneratorArgs } from "../../generator/options.ts";

const NOW = new Date("2026-03-10T15:00:00Z");

Deno.test("with no flags the generator makes yesterday's 50,000 events with seed 42", () => {
  const options = parseGeneratorArgs([], {}, NOW)!;
  assert.equal(options.seed, 42);
  assert.equal(options.events, 50_000);
  assert.equal(options.days, 1);
  assert.equal(options.start, Date.UTC(2026, 2, 9));
  assert.equal(options.malformedRate, 0.001);
  assert.equal(options.fraudRate, 0.03);
  assert.equal(options.landing, ".sluice/landing");
});

Deno.test("SLUICE_HOME moves the default landing zone", () => {
  assert.equal(
    parseGeneratorArgs([], { SLUICE_HOME: "/srv/sluice" }, NOW)!.landing,
    "/srv/sluice/landing",
  );
});

Deno.test("--days and --rate size the run by events per second", () => {
  const options = parseGeneratorArgs(
    ["--days", "2", "--rate", "50", "--start", "2026-01-01"],
    {},
    NOW,
  )!;
  assert.equal(options.events, 2 * 86_400 * 50);
  assert.equal(options.start, Date.UTC(2026, 0, 1));
});

Deno.test("bad flags raise a FlagError naming the flag", () => {
  const cases: [string[], RegExp][] = [
    [["--events", "ten"], /--events "ten"/],
    [["--events", "5", "--rate", "2"], /--events together with --rate/],
    [["--start", "2026-02-30"], /--start "2026-02-30"/],
    [["--malformed-rate", "2"], /--malformed-rate "2"/],
    [["--seed", "1.5"], /--seed "1.5"/],
    [["--nope"], /--nope/],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => parseGeneratorArgs(args, {}, NOW), (e: unknown) => {
      return e instanceof FlagError && message.test(e.message);
    }, args.join(" "));
  }
});

Deno.test("the CLI prints one line and exits with status 2 on a bad flag", async () => {
  const main = new URL("../../sluice.ts", import.meta.url).pathname;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", main, "generate", "--days", "zero"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 2);
  const stderr = new TextDecoder().decode(output.stderr).trim();
  assert.equal(stderr.split("\n").length, 1);
  assert.match(stderr, /--days "zero"/);
});
