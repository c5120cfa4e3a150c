import assert from "node:assert/strict";
import { RequestError } from "../../../runtime/errors.ts";
import { daily } from "../../../runtime/partitions/daily_partitions.ts";
import { unpartitioned } from "../../../runtime/partitions/definition.ts";
import { partitionKey, UNPARTITIONED } from "../../../runtime/partitions/partition_key.ts";
import {
  describePartitionSelection,
  parsePartitionSelection,
  partitionsToRun,
} from "../../../runtime/partitions/partition_selection.ts";
import { staticPartitions } from "../../../runtime/partitions/static_partitions.ts";

const NOW = new Date("2026-11-05T12:00:00Z");
const days = daily({ start: "2026-11-01" });
const regions = staticPartitions(["eu", "us", "apac"]);

Deno.test("parsePartitionSelection() reads a single key", () => {
  assert.deepEqual(parsePartitionSelection("2026-11-01"), { kind: "key", key: "2026-11-01" });
  assert.deepEqual(parsePartitionSelection(" eu "), { kind: "key", key: "eu" });
});

Deno.test("parsePartitionSelection() reads an inclusive range a..b", () => {
  assert.deepEqual(parsePartitionSelection("2026-11-01..2026-11-03"), {
    kind: "range",
    from: "2026-11-01",
    to: "2026-11-03",
  });
});

Deno.test("parsePartitionSelection() rejects empty bounds and extra dots", () => {
  for (const text of ["", "..", "2026-11-01..", "..2026-11-01", "a..b..c", "a b", "x/y"]) {
    assert.throws(
      () => parsePartitionSelection(text),
      (error: Error) =>
        error instanceof RequestError && error.message.includes(`'${text}'`) &&
        error.message.includes("expected one key"),
      text,
    );
  }
});

Deno.test("partitionsToRun() gives the unpartitioned key whatever the selection", () => {
  assert.deepEqual(partitionsToRun(unpartitioned, undefined, NOW), [UNPARTITIONED]);
  assert.deepEqual(
    partitionsToRun(unpartitioned, parsePartitionSelection("2026-11-01..2026-11-03"), NOW),
    [UNPARTITIONED],
  );
  assert.deepEqual(partitionsToRun(unpartitioned, parsePartitionSelection("eu"), NOW), [
    UNPARTITIONED,
  ]);
});

Deno.test("partitionsToRun() gives every key when nothing is selected", () => {
  assert.deepEqual(partitionsToRun(days, undefined, NOW), [
    "2026-11-01",
    "2026-11-02",
    "2026-11-03",
    "2026-11-04",
    "2026-11-05",
  ]);
  assert.deepEqual(partitionsToRun(regions, undefined, NOW), ["eu", "us", "apac"]);
});

Deno.test("partitionsToRun() gives one day or an inclusive range of days", () => {
  assert.deepEqual(partitionsToRun(days, parsePartitionSelection("2026-11-02"), NOW), [
    "2026-11-02",
  ]);
  assert.deepEqual(partitionsToRun(days, parsePartitionSelection("2026-11-02..2026-11-04"), NOW), [
    "2026-11-02",
    "2026-11-03",
    "2026-11-04",
  ]);
});

Deno.test("partitionsToRun() gives a range of static names in their order", () => {
  assert.deepEqual(partitionsToRun(regions, parsePartitionSelection("us..apac"), NOW), [
    "us",
    "apac",
  ]);
});

Deno.test("partitionsToRun() rejects a bound outside the partitions and names the bound", () => {
  assert.throws(
    () => partitionsToRun(days, parsePartitionSelection("2026-10-30..2026-11-02"), NOW, "gold.x"),
    (error: Error) =>
      error instanceof RequestError && error.message.includes("'2026-10-30'") &&
      error.message.includes("gold.x"),
  );
  assert.throws(
    () => partitionsToRun(days, parsePartitionSelection("2026-11-06"), NOW),
    /Cannot select partition '2026-11-06'/,
  );
  assert.throws(
    () => partitionsToRun(days, parsePartitionSelection("2026-02-30"), NOW),
    /'2026-02-30': expected a date/,
  );
  assert.throws(
    () => partitionsToRun(days, parsePartitionSelection("2026-11-04..2026-11-02"), NOW),
    /ends before it starts/,
  );
});

Deno.test("partitionsToRun() rejects a date for static partitions and names the asset", () => {
  assert.throws(
    () => partitionsToRun(regions, parsePartitionSelection("2026-11-01"), NOW, "gold.by_region"),
    (error: Error) =>
      error instanceof RequestError &&
      error.message ===
        "Cannot select partition '2026-11-01' of asset 'gold.by_region': it does not fit its partitions, static (eu, us, apac)",
  );
});

Deno.test("partitionsToRun() rejects a static name for daily partitions and names the asset", () => {
  assert.throws(
    () => partitionsToRun(days, parsePartitionSelection("eu..us"), NOW, "bronze.orders"),
    /Cannot select partition 'eu' of asset 'bronze.orders': it does not fit its partitions, daily/,
  );
});

Deno.test("describePartitionSelection() reads as a phrase", () => {
  assert.equal(describePartitionSelection(undefined), "all partitions");
  assert.equal(
    describePartitionSelection({ kind: "key", key: partitionKey("2026-11-01") }),
    "partition 2026-11-01",
  );
  assert.equal(
    describePartitionSelection(parsePartitionSelection("2026-11-01..2026-11-03")),
    "partitions 2026-11-01..2026-11-03",
  );
});
