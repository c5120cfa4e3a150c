import assert from "node:assert/strict";
import {
  epochDayFromCivil,
  isoDateFromEpochDay,
  parseIsoDate,
} from "../../../runtime/partitions/calendar.ts";

const DAY_MS = 86_400_000;

Deno.test("isoDateFromEpochDay() and parseIsoDate() round-trip every day from 1600 to 2400", () => {
  const first = epochDayFromCivil(1600, 1, 1);
  const last = epochDayFromCivil(2400, 12, 31);
  let previous = "";
  for (let day = first; day <= last; day++) {
    const iso = isoDateFromEpochDay(day);
    if (parseIsoDate(iso) !== day) assert.fail(`${iso} parsed back to ${parseIsoDate(iso)}`);
    if (!(iso > previous)) assert.fail(`${iso} does not follow ${previous}`);
    previous = iso;
  }
  assert.equal(last - first + 1, 292_560);
});

Deno.test("isoDateFromEpochDay() agrees with Date for every day from 1900 to 2100", () => {
  for (let day = epochDayFromCivil(1900, 1, 1); day <= epochDayFromCivil(2100, 12, 31); day++) {
    const expected = new Date(day * DAY_MS).toISOString().slice(0, 10);
    if (isoDateFromEpochDay(day) !== expected) {
      assert.fail(`day ${day}: ${isoDateFromEpochDay(day)} != ${expected}`);
    }
  }
});

Deno.test("epochDayFromCivil() counts from 1970-01-01", () => {
  assert.equal(epochDayFromCivil(1970, 1, 1), 0);
  assert.equal(epochDayFromCivil(1969, 12, 31), -1);
  assert.equal(epochDayFromCivil(2026, 11, 1), Date.UTC(2026, 10, 1) / DAY_MS);
});

Deno.test("parseIsoDate() rejects dates that do not exist", () => {
  for (
    const value of [
      "2026-02-30",
      "2025-02-29",
      "1900-02-29",
      "2026-04-31",
      "2026-13-01",
      "2026-00-10",
      "2026-01-00",
      "2026-01-32",
    ]
  ) {
    assert.equal(parseIsoDate(value), undefined, value);
  }
});

Deno.test("parseIsoDate() accepts leap days of leap years", () => {
  assert.equal(isoDateFromEpochDay(parseIsoDate("2024-02-29")!), "2024-02-29");
  assert.equal(isoDateFromEpochDay(parseIsoDate("2000-02-29")!), "2000-02-29");
});

Deno.test("parseIsoDate() rejects text that is not YYYY-MM-DD", () => {
  for (
    const value of ["2026-1-01", "26-01-01", "2026/01/01", " 2026-01-01", "2026-01-01T00:00", ""]
  ) {
    assert.equal(parseIsoDate(value), undefined, value);
  }
});
