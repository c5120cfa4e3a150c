// The shifted clock behind SLUICE_NOW: it starts at the given instant, advances as the clock
// under it does, and sleeps for real lengths.
import assert from "node:assert/strict";
import { shiftedClock } from "../../runtime/clock.ts";
import { FakeClock } from "../support/fake_clock.ts";

Deno.test("a shifted clock starts at its instant and advances with the clock under it", () => {
  const base = new FakeClock(new Date("2026-12-02T03:00:00Z"));
  const clock = shiftedClock(new Date("2026-11-30T12:00:00Z"), base);
  assert.equal(clock.now().toISOString(), "2026-11-30T12:00:00.000Z");
  base.advance(90_500);
  assert.equal(clock.now().toISOString(), "2026-11-30T12:01:30.500Z");
});

Deno.test("a shifted clock sleeps on the clock under it, for the same length", async () => {
  const base = new FakeClock(new Date("2026-12-02T03:00:00Z"));
  const clock = shiftedClock(new Date("2026-11-30T12:00:00Z"), base);
  await clock.sleep(30_000);
  assert.deepEqual(base.sleeps, [30_000]);
  assert.equal(clock.now().toISOString(), "2026-11-30T12:00:30.000Z");
});

Deno.test("a shifted clock passes on an aborted sleep's reason", async () => {
  const clock = shiftedClock(new Date("2026-11-30T12:00:00Z"), new FakeClock());
  const cancel = new AbortController();
  cancel.abort(new Error("stopped"));
  await assert.rejects(clock.sleep(1_000, cancel.signal), /stopped/);
});
