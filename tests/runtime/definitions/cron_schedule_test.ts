import assert from "node:assert/strict";
import {
  cronSchedule,
  firesByTheHour,
  isRepeatedWallTime,
} from "../../../runtime/definitions/cron_schedule.ts";
import { DefinitionError } from "../../../runtime/errors.ts";
import { consecutiveHours } from "../../support/utc_hours.ts";

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

/** The instants of `expression` in `zone` within (from, to], as ISO strings. */
function instants(expression: string, zone: string, from: string, to: string): string[] {
  return cronSchedule(expression, zone, "test").between(new Date(from), new Date(to))
    .map((tick) => tick.toISOString());
}

Deno.test("an hourly schedule makes 23 ticks on the spring-forward day, one per real hour, none in the gap", () => {
  // Europe/Berlin's 2026-03-29 runs from 2026-03-28T23:00Z to 2026-03-29T22:00Z: 23 hours.
  const ticks = instants(
    "0 * * * *",
    "Europe/Berlin",
    "2026-03-28T23:00:00Z",
    "2026-03-29T22:00:00Z",
  );
  assert.deepEqual(ticks, [
    "2026-03-29T00:00:00.000Z",
    "2026-03-29T01:00:00.000Z",
    "2026-03-29T02:00:00.000Z",
    "2026-03-29T03:00:00.000Z",
    "2026-03-29T04:00:00.000Z",
    "2026-03-29T05:00:00.000Z",
    "2026-03-29T06:00:00.000Z",
    "2026-03-29T07:00:00.000Z",
    "2026-03-29T08:00:00.000Z",
    "2026-03-29T09:00:00.000Z",
    "2026-03-29T10:00:00.000Z",
    "2026-03-29T11:00:00.000Z",
    "2026-03-29T12:00:00.000Z",
    "2026-03-29T13:00:00.000Z",
    "2026-03-29T14:00:00.000Z",
    "2026-03-29T15:00:00.000Z",
    "2026-03-29T16:00:00.000Z",
    "2026-03-29T17:00:00.000Z",
    "2026-03-29T18:00:00.000Z",
    "2026-03-29T19:00:00.000Z",
    "2026-03-29T20:00:00.000Z",
    "2026-03-29T21:00:00.000Z",
    "2026-03-29T22:00:00.000Z",
  ]);
  assert.deepEqual(
    localTicks("0 * * * *", "Europe/Berlin", "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z")
      .slice(0, 3),
    ["2026-03-29T01:00:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-29T04:00:00+02:00"],
  );
});

Deno.test("an hourly schedule fires the repeated hour in both passes: 25 ticks on the 25-hour fall-back day, each its own instant", () => {
  // Europe/Berlin's 2026-10-25 runs from 2026-10-24T22:00Z to 2026-10-25T23:00Z: 25 hours.
  const ticks = instants(
    "0 * * * *",
    "Europe/Berlin",
    "2026-10-24T22:00:00Z",
    "2026-10-25T23:00:00Z",
  );
  assert.deepEqual(ticks, consecutiveHours("2026-10-24T23:00:00Z", 25));
  assert.deepEqual(
    localTicks("0 * * * *", "Europe/Berlin", "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z")
      .slice(0, 4),
    [
      "2026-10-25T01:00:00+02:00",
      "2026-10-25T02:00:00+02:00",
      "2026-10-25T02:00:00+01:00",
      "2026-10-25T03:00:00+01:00",
    ],
  );
  // Every 30 minutes of real time through the repeated hour, and `@hourly` as `0 * * * *`.
  assert.deepEqual(
    instants("*/30 * * * *", "Europe/Berlin", "2026-10-24T23:45:00Z", "2026-10-25T01:45:00Z"),
    [
      "2026-10-25T00:00:00.000Z",
      "2026-10-25T00:30:00.000Z",
      "2026-10-25T01:00:00.000Z",
      "2026-10-25T01:30:00.000Z",
    ],
  );
  assert.deepEqual(
    instants("@hourly", "Europe/Berlin", "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z"),
    ticks,
  );
});

Deno.test("a fixed-hour expression fires a repeated wall-clock time once, at its first pass", () => {
  assert.deepEqual(
    instants("0 1-3 * * *", "Europe/Berlin", "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z"),
    ["2026-10-24T23:00:00.000Z", "2026-10-25T00:00:00.000Z", "2026-10-25T02:00:00.000Z"],
  );
  assert.equal(firesByTheHour("0 * * * *"), true);
  assert.equal(firesByTheHour("0 */2 * * *"), true);
  assert.equal(firesByTheHour("0 0 * * * *"), true);
  assert.equal(firesByTheHour("@hourly"), true);
  assert.equal(firesByTheHour("30 2 * * *"), false);
  assert.equal(firesByTheHour("*/15 2 * * *"), false);
  assert.equal(firesByTheHour("@daily"), false);
});

Deno.test("America/New_York: hourly and daily schedules across both changes of 2026", () => {
  // 2026-03-08: 02:00 → 03:00 (23 hours); 2026-11-01: 02:00 → 01:00 (01:xx twice, 25 hours).
  assert.deepEqual(
    instants("0 * * * *", "America/New_York", "2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z"),
    [
      "2026-03-08T06:00:00.000Z",
      "2026-03-08T07:00:00.000Z",
      "2026-03-08T08:00:00.000Z",
      "2026-03-08T09:00:00.000Z",
      "2026-03-08T10:00:00.000Z",
      "2026-03-08T11:00:00.000Z",
      "2026-03-08T12:00:00.000Z",
      "2026-03-08T13:00:00.000Z",
      "2026-03-08T14:00:00.000Z",
      "2026-03-08T15:00:00.000Z",
      "2026-03-08T16:00:00.000Z",
      "2026-03-08T17:00:00.000Z",
      "2026-03-08T18:00:00.000Z",
      "2026-03-08T19:00:00.000Z",
      "2026-03-08T20:00:00.000Z",
      "2026-03-08T21:00:00.000Z",
      "2026-03-08T22:00:00.000Z",
      "2026-03-08T23:00:00.000Z",
      "2026-03-09T00:00:00.000Z",
      "2026-03-09T01:00:00.000Z",
      "2026-03-09T02:00:00.000Z",
      "2026-03-09T03:00:00.000Z",
      "2026-03-09T04:00:00.000Z",
    ],
  );
  const fall = instants(
    "0 * * * *",
    "America/New_York",
    "2026-11-01T04:00:00Z",
    "2026-11-02T05:00:00Z",
  );
  assert.deepEqual(fall, [
    "2026-11-01T05:00:00.000Z",
    "2026-11-01T06:00:00.000Z",
    "2026-11-01T07:00:00.000Z",
    "2026-11-01T08:00:00.000Z",
    "2026-11-01T09:00:00.000Z",
    "2026-11-01T10:00:00.000Z",
    "2026-11-01T11:00:00.000Z",
    "2026-11-01T12:00:00.000Z",
    "2026-11-01T13:00:00.000Z",
    "2026-11-01T14:00:00.000Z",
    "2026-11-01T15:00:00.000Z",
    "2026-11-01T16:00:00.000Z",
    "2026-11-01T17:00:00.000Z",
    "2026-11-01T18:00:00.000Z",
    "2026-11-01T19:00:00.000Z",
    "2026-11-01T20:00:00.000Z",
    "2026-11-01T21:00:00.000Z",
    "2026-11-01T22:00:00.000Z",
    "2026-11-01T23:00:00.000Z",
    "2026-11-02T00:00:00.000Z",
    "2026-11-02T01:00:00.000Z",
    "2026-11-02T02:00:00.000Z",
    "2026-11-02T03:00:00.000Z",
    "2026-11-02T04:00:00.000Z",
    "2026-11-02T05:00:00.000Z",
  ]);
  assert.deepEqual(
    localTicks("0 * * * *", "America/New_York", "2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z")
      .slice(0, 4),
    [
      "2026-11-01T01:00:00-04:00",
      "2026-11-01T01:00:00-05:00",
      "2026-11-01T02:00:00-05:00",
      "2026-11-01T03:00:00-05:00",
    ],
  );
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
