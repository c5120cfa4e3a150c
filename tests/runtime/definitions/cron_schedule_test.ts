import assert from "node:assert/strict";
import { cronSchedule, isRepeatedWallTime } from "../../../runtime/definitions/cron_schedule.ts";
import { DefinitionError } from "../../../runtime/errors.ts";

/** The ticks of `expression` in `zone` within (from, to], as local wall-clock times. */
function localTicks(expression: string, zone: string, from: string, to: string): string[] {
  const cron = cronSchedule(expression, zone, "test");
  return cron.between(new Date(from), new Date(to)).map((tick) =>
    Temporal.Instant.fromEpochMilliseconds(tick.getTime()).toZonedDateTimeISO(zone)
      .toString({ timeZoneName: "never" })
  );
}

Deno.test("a daily schedule in a spring-forward gap fires at the first valid minute, once", () => {
  // Europe/Berlin skips 02:00-03:00 on 2026-03-29.
  assert.deepEqual(
    localTicks("30 2 * * *", "Europe/Berlin", "2026-03-27T12:00:00Z", "2026-03-30T12:00:00Z"),
    [
      "2026-03-28T02:30:00+01:00",
      "2026-03-29T03:00:00+02:00",
      "2026-03-30T02:30:00+02:00",
    ],
  );
});

Deno.test("a daily schedule at a repeated time fires once, at its first occurrence", () => {
  // Europe/Berlin runs 02:00-03:00 twice on 2026-10-25 (CEST, then CET).
  assert.deepEqual(
    localTicks("30 2 * * *", "Europe/Berlin", "2026-10-23T12:00:00Z", "2026-10-26T12:00:00Z"),
    [
      "2026-10-24T02:30:00+02:00",
      "2026-10-25T02:30:00+02:00",
      "2026-10-26T02:30:00+01:00",
    ],
  );
});

Deno.test("an hourly schedule makes 23 ticks on the spring-forward day and none in the gap", () => {
  const ticks = localTicks(
    "0 * * * *",
    "Europe/Berlin",
    "2026-03-28T23:00:00Z",
    "2026-03-29T22:00:00Z",
  );
  assert.equal(ticks.length, 23);
  assert.deepEqual(ticks.slice(0, 3), [
    "2026-03-29T01:00:00+01:00",
    "2026-03-29T03:00:00+02:00",
    "2026-03-29T04:00:00+02:00",
  ]);
  assert.equal(ticks.at(-1), "2026-03-30T00:00:00+02:00");
});

Deno.test("an hourly schedule fires the repeated hour once: 24 ticks on the 25-hour fall-back day", () => {
  const ticks = localTicks(
    "0 * * * *",
    "Europe/Berlin",
    "2026-10-24T22:00:00Z",
    "2026-10-25T23:00:00Z",
  );
  assert.equal(ticks.length, 24);
  assert.deepEqual(ticks.slice(0, 4), [
    "2026-10-25T01:00:00+02:00",
    "2026-10-25T02:00:00+02:00",
    "2026-10-25T03:00:00+01:00",
    "2026-10-25T04:00:00+01:00",
  ]);
  assert.equal(new Set(ticks.map((t) => t.slice(0, 16))).size, 24);
});

Deno.test("America/New_York: hourly and daily schedules across both changes of 2026", () => {
  // 2026-03-08: 02:00 → 03:00; 2026-11-01: 02:00 → 01:00 (01:xx twice).
  const spring = localTicks(
    "0 * * * *",
    "America/New_York",
    "2026-03-08T05:00:00Z",
    "2026-03-09T04:00:00Z",
  );
  assert.equal(spring.length, 23);
  assert.equal(spring.some((t) => t.startsWith("2026-03-08T02:")), false);
  const fall = localTicks(
    "0 * * * *",
    "America/New_York",
    "2026-11-01T04:00:00Z",
    "2026-11-02T05:00:00Z",
  );
  assert.equal(fall.length, 24);
  assert.deepEqual(fall.slice(0, 3), [
    "2026-11-01T01:00:00-04:00",
    "2026-11-01T02:00:00-05:00",
    "2026-11-01T03:00:00-05:00",
  ]);
  assert.deepEqual(
    localTicks("30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z", "2026-11-02T12:00:00Z"),
    ["2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"],
  );
});

Deno.test("next() is strictly after the instant given; between() keeps the latest `limit` ticks", () => {
  const cron = cronSchedule("0 2 * * *", "UTC", "test");
  assert.deepEqual(cron.next(new Date("2026-11-02T02:00:00Z")), new Date("2026-11-03T02:00:00Z"));
  assert.deepEqual(cron.next(new Date("2026-11-02T01:59:59Z")), new Date("2026-11-02T02:00:00Z"));
  assert.deepEqual(
    cron.between(new Date("2026-11-01T00:00:00Z"), new Date("2026-11-05T02:00:00Z"), 2),
    [new Date("2026-11-04T02:00:00Z"), new Date("2026-11-05T02:00:00Z")],
  );
  assert.equal(cron.describe(), "0 2 * * * (UTC)");
});

Deno.test("isRepeatedWallTime() is true only for the second pass of a repeated hour", () => {
  assert.equal(isRepeatedWallTime(new Date("2026-10-25T00:30:00Z"), "Europe/Berlin"), false);
  assert.equal(isRepeatedWallTime(new Date("2026-10-25T01:30:00Z"), "Europe/Berlin"), true);
  assert.equal(isRepeatedWallTime(new Date("2026-10-25T02:30:00Z"), "Europe/Berlin"), false);
  assert.equal(isRepeatedWallTime(new Date("2026-10-25T01:30:00Z"), "UTC"), false);
});

Deno.test("a bad cron expression or time zone is a DefinitionError naming it", () => {
  assert.throws(
    () => cronSchedule("61 * * * *", "UTC", "Schedule 'x'"),
    (error: unknown) =>
      error instanceof DefinitionError &&
      error.message ===
        "Schedule 'x' has cron expression '61 * * * *': Invalid value for minute: 61; expected five fields like '0 2 * * *' (minute hour day-of-month month day-of-week)",
  );
  assert.throws(
    () => cronSchedule("0 2 * * *", "Mars/Base", "Schedule 'x'"),
    (error: unknown) =>
      error instanceof DefinitionError &&
      error.message ===
        "Schedule 'x' has time zone 'Mars/Base': expected an IANA name like 'Europe/Berlin' or 'UTC'",
  );
});
