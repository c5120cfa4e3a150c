import assert from "node:assert/strict";
import { DefinitionError, RequestError } from "../../../runtime/errors.ts";
import { epochDayFromCivil, isoDateFromEpochDay } from "../../../runtime/partitions/calendar.ts";
import { daily } from "../../../runtime/partitions/daily_partitions.ts";
import { partitionKey } from "../../../runtime/partitions/partition_key.ts";

const HOUR_MS = 3_600_000;
const key = partitionKey;

Deno.test("keys() runs from start through end, whatever the time", () => {
  const days = daily({ start: "2026-01-30", end: "2026-02-02" });
  const expected = ["2026-01-30", "2026-01-31", "2026-02-01", "2026-02-02"];
  assert.deepEqual(days.keys(new Date("2020-01-01T00:00:00Z")), expected);
  assert.deepEqual(days.keys(new Date("2030-01-01T00:00:00Z")), expected);
});

Deno.test("keys() runs through today in UTC by default", () => {
  const days = daily({ start: "2026-11-01" });
  assert.deepEqual(days.keys(new Date("2026-11-03T23:59:59Z")), [
    "2026-11-01",
    "2026-11-02",
    "2026-11-03",
  ]);
});

Deno.test("keys() runs through today in the asset's zone where it differs from UTC", () => {
  const now = new Date("2026-11-03T20:00:00Z");
  assert.equal(
    daily({ start: "2026-11-01", timezone: "Asia/Tokyo" }).keys(now).at(-1),
    "2026-11-04",
  );
  const early = new Date("2026-11-03T05:00:00Z");
  assert.equal(
    daily({ start: "2026-11-01", timezone: "Pacific/Honolulu" }).keys(early).at(-1),
    "2026-11-02",
  );
});

Deno.test("keys() moves on when the day changes", () => {
  const days = daily({ start: "2026-11-01" });
  assert.equal(days.keys(new Date("2026-11-02T12:00:00Z")).length, 2);
  assert.equal(days.keys(new Date("2026-11-03T12:00:00Z")).length, 3);
  assert.equal(days.keys(new Date("2026-11-02T12:00:00Z")).length, 2);
});

Deno.test("keys() gives 100,000 keys for 100,000 days", () => {
  const start = epochDayFromCivil(1800, 1, 1);
  const end = start + 99_999;
  const days = daily({ start: isoDateFromEpochDay(start), end: isoDateFromEpochDay(end) });
  const keys = days.keys(new Date());
  assert.equal(keys.length, 100_000);
  assert.equal(keys[0], "1800-01-01");
  assert.equal(keys[99_999], isoDateFromEpochDay(end));
  assert.equal(new Set(keys).size, 100_000);
});

Deno.test("window() covers one civil day in the zone", () => {
  const window = daily({ start: "2026-01-01", timezone: "Asia/Tokyo" }).window(key("2026-11-01"))!;
  assert.equal(window.start.toISOString(), "2026-10-31T15:00:00.000Z");
  assert.equal(window.end.toISOString(), "2026-11-01T15:00:00.000Z");
});

Deno.test("window() is 23 hours when Europe/Paris springs forward and 25 when it falls back", () => {
  const days = daily({ start: "2026-01-01", timezone: "Europe/Paris" });
  const spring = days.window(key("2026-03-29"))!;
  assert.equal(spring.start.toISOString(), "2026-03-28T23:00:00.000Z");
  assert.equal(spring.end.getTime() - spring.start.getTime(), 23 * HOUR_MS);
  const autumn = days.window(key("2026-10-25"))!;
  assert.equal(autumn.start.toISOString(), "2026-10-24T22:00:00.000Z");
  assert.equal(autumn.end.getTime() - autumn.start.getTime(), 25 * HOUR_MS);
  const ordinary = days.window(key("2026-10-26"))!;
  assert.equal(ordinary.end.getTime() - ordinary.start.getTime(), 24 * HOUR_MS);
});

Deno.test("window() is undefined for a key that is not a date", () => {
  assert.equal(daily({ start: "2026-01-01" }).window(key("eu")), undefined);
});

Deno.test("contains() accepts days from start through today only", () => {
  const days = daily({ start: "2026-11-01" });
  const now = new Date("2026-11-05T12:00:00Z");
  assert.ok(days.contains(key("2026-11-01"), now));
  assert.ok(days.contains(key("2026-11-05"), now));
  assert.ok(!days.contains(key("2026-10-31"), now));
  assert.ok(!days.contains(key("2026-11-06"), now));
  assert.ok(!days.contains(key("2026-02-30"), now));
});

Deno.test("range() gives the inclusive days between two bounds", () => {
  const days = daily({ start: "2026-11-01" });
  assert.deepEqual(days.range(key("2026-11-02"), key("2026-11-04"), new Date("2026-11-30")), [
    "2026-11-02",
    "2026-11-03",
    "2026-11-04",
  ]);
});

Deno.test("range() errors name the bad bound", () => {
  const days = daily({ start: "2026-11-01" });
  const now = new Date("2026-11-05T12:00:00Z");
  const cases: [string, string, RegExp][] = [
    [
      "2026-10-31",
      "2026-11-02",
      /'2026-10-31': it is outside the asset's partitions, daily from 2026-11-01/,
    ],
    ["2026-11-01", "2026-11-06", /'2026-11-06': it is outside/],
    ["2026-11-01", "2026-11-31", /'2026-11-31': expected a date YYYY-MM-DD/],
    ["2026-11-04", "2026-11-02", /2026-11-04\.\.2026-11-02: the range ends before it starts/],
  ];
  for (const [from, to, message] of cases) {
    assert.throws(
      () => days.range(key(from), key(to), now),
      (error: Error) => error instanceof RequestError && message.test(error.message),
      `${from}..${to}`,
    );
  }
});

Deno.test("daily() rejects a bad start, end or zone and names the value", () => {
  assert.throws(
    () => daily({ start: "2026-02-30" }),
    (error: Error) => error instanceof DefinitionError && error.message.includes("'2026-02-30'"),
  );
  assert.throws(
    () => daily({ start: "2026-11-02", end: "2026-11-01" }),
    /'2026-11-01' as a daily partition end: expected a date YYYY-MM-DD on or after 2026-11-02/,
  );
  assert.throws(() => daily({ start: "2026-11-01", timezone: "Mars/Olympus" }), /'Mars\/Olympus'/);
});

Deno.test("describe() names the first and last day and the zone", () => {
  assert.equal(
    daily({ start: "2026-11-01", timezone: "Europe/Paris" }).describe(),
    "daily from 2026-11-01 to today (Europe/Paris)",
  );
  assert.equal(
    daily({ start: "2026-11-01", end: "2026-12-01" }).describe(),
    "daily from 2026-11-01 to 2026-12-01 (UTC)",
  );
});
