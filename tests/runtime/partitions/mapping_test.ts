import assert from "node:assert/strict";
import { DefinitionError } from "../../../runtime/errors.ts";
import { daily } from "../../../runtime/partitions/daily_partitions.ts";
import {
  type PartitionsDefinition,
  unpartitioned,
} from "../../../runtime/partitions/definition.ts";
import {
  allPartitions,
  defaultMapping,
  identity,
  latestPartition,
  type PartitionMapping,
  windowDays,
} from "../../../runtime/partitions/mapping.ts";
import { partitionKey, UNPARTITIONED } from "../../../runtime/partitions/partition_key.ts";
import { staticPartitions } from "../../../runtime/partitions/static_partitions.ts";

const NOW = new Date("2026-03-10T12:00:00Z");
const key = partitionKey;
const march = daily({ start: "2026-03-01" });
const regions = staticPartitions(["eu", "us", "apac"]);

Deno.test("identity() maps a day to the same day when the upstream has it", () => {
  const late = daily({ start: "2026-03-05" });
  assert.deepEqual(identity().upstreamKeys(key("2026-03-07"), march, late, NOW), ["2026-03-07"]);
  assert.deepEqual(identity().upstreamKeys(key("2026-03-02"), march, late, NOW), []);
  assert.deepEqual(identity().downstreamKeys(key("2026-03-07"), late, march, NOW), ["2026-03-07"]);
});

Deno.test("identity() maps every partition to an unpartitioned upstream's only one", () => {
  assert.deepEqual(identity().upstreamKeys(key("2026-03-07"), march, unpartitioned, NOW), [
    UNPARTITIONED,
  ]);
  assert.equal(identity().downstreamKeys(UNPARTITIONED, unpartitioned, march, NOW).length, 10);
});

Deno.test("allPartitions() maps to every upstream key and back to every downstream key", () => {
  assert.deepEqual(allPartitions().upstreamKeys(UNPARTITIONED, unpartitioned, regions, NOW), [
    "eu",
    "us",
    "apac",
  ]);
  assert.deepEqual(allPartitions().downstreamKeys(key("us"), regions, unpartitioned, NOW), [
    UNPARTITIONED,
  ]);
});

Deno.test("latestPartition() maps to the newest upstream day only", () => {
  assert.deepEqual(latestPartition().upstreamKeys(UNPARTITIONED, unpartitioned, march, NOW), [
    "2026-03-10",
  ]);
  assert.deepEqual(latestPartition().downstreamKeys(key("2026-03-10"), march, unpartitioned, NOW), [
    UNPARTITIONED,
  ]);
  assert.deepEqual(
    latestPartition().downstreamKeys(key("2026-03-09"), march, unpartitioned, NOW),
    [],
  );
});

Deno.test("windowDays(30) gives 30 upstream days mid-range", () => {
  const year = daily({ start: "2026-01-01", end: "2026-12-31" });
  const keys = windowDays(30).upstreamKeys(key("2026-06-15"), year, year, NOW);
  assert.equal(keys.length, 30);
  assert.equal(keys[0], "2026-05-17");
  assert.equal(keys[29], "2026-06-15");
});

Deno.test("windowDays(30) gives fewer upstream days at the start of the upstream", () => {
  const year = daily({ start: "2026-01-01", end: "2026-12-31" });
  const keys = windowDays(30).upstreamKeys(key("2026-01-05"), year, year, NOW);
  assert.deepEqual(keys, ["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04", "2026-01-05"]);
});

Deno.test("windowDays(30, { lagDays: 1 }) ends the day before: a model of D reads D-30..D-1", () => {
  const year = daily({ start: "2026-01-01", end: "2026-12-31" });
  const keys = windowDays(30, { lagDays: 1 }).upstreamKeys(key("2026-06-15"), year, year, NOW);
  assert.equal(keys.length, 30);
  assert.equal(keys[0], "2026-05-16");
  assert.equal(keys[29], "2026-06-14");
  assert.deepEqual(
    windowDays(1, { lagDays: 1 }).downstreamKeys(key("2026-06-14"), year, year, NOW),
    ["2026-06-15"],
  );
  assert.deepEqual(
    windowDays(2, { lagDays: 1 }).upstreamKeys(key("2026-01-01"), year, year, NOW),
    [],
  );
  assert.equal(windowDays(30, { lagDays: 1 }).name, "window(30d, 1d before)");
});

Deno.test("windowDays() rejects a lag that is not a whole number of days >= 0", () => {
  for (const lagDays of [-1, 0.5, NaN]) {
    assert.throws(() => windowDays(3, { lagDays }), DefinitionError, String(lagDays));
  }
});

Deno.test("windowDays() rejects a window that is not a positive whole number of days", () => {
  for (const days of [0, -1, 1.5, NaN]) {
    assert.throws(() => windowDays(days), DefinitionError, String(days));
  }
});

Deno.test("windowDays() rejects partitions that are not daily", () => {
  assert.throws(
    () => windowDays(3).upstreamKeys(key("eu"), regions, march, NOW),
    /Cannot use the window\(3d\) mapping between static \(eu, us, apac\) and daily/,
  );
});

Deno.test("defaultMapping() is identity for like partitions and from unpartitioned, else all", () => {
  assert.equal(defaultMapping(march, march).name, "identity");
  assert.equal(defaultMapping(regions, regions).name, "identity");
  assert.equal(defaultMapping(march, unpartitioned).name, "identity");
  assert.equal(defaultMapping(unpartitioned, march).name, "all");
  assert.equal(defaultMapping(march, regions).name, "all");
});

/** Checks `u ∈ upstreamKeys(d)` ⇔ `d ∈ downstreamKeys(u)` for every pair of keys. */
function assertInverts(
  mapping: PartitionMapping,
  downstream: PartitionsDefinition,
  upstream: PartitionsDefinition,
  now: Date,
): void {
  const downKeys = downstream.keys(now);
  const upKeys = upstream.keys(now);
  const upOf = new Map(
    downKeys.map((d) => [d, new Set(mapping.upstreamKeys(d, downstream, upstream, now))]),
  );
  const downOf = new Map(
    upKeys.map((u) => [u, new Set(mapping.downstreamKeys(u, upstream, downstream, now))]),
  );
  for (const d of downKeys) {
    for (const u of upKeys) {
      const forward = upOf.get(d)!.has(u);
      const backward = downOf.get(u)!.has(d);
      if (forward !== backward) {
        assert.fail(
          `${mapping.name} from ${downstream.describe()} to ${upstream.describe()}: ` +
            `${u} is ${forward ? "" : "not "}upstream of ${d}, but ${d} is ${
              backward ? "" : "not "
            }downstream of ${u}`,
        );
      }
    }
  }
}

Deno.test("downstreamKeys() inverts upstreamKeys() for every mapping and pair of partitionings", () => {
  const early = daily({ start: "2026-02-20" });
  const late = daily({ start: "2026-03-04" });
  const ended = daily({ start: "2026-02-25", end: "2026-03-06" });
  const tokyo = daily({ start: "2026-03-01", timezone: "Asia/Tokyo" });
  const dailies = [march, early, late, ended, tokyo];
  const all = [...dailies, regions, staticPartitions(["us", "latam"]), unpartitioned];
  const general = [identity(), allPartitions(), latestPartition()];
  for (const downstream of all) {
    for (const upstream of all) {
      for (const mapping of general) assertInverts(mapping, downstream, upstream, NOW);
    }
  }
  for (const downstream of dailies) {
    for (const upstream of dailies) {
      for (const days of [1, 2, 7, 30]) {
        for (const lagDays of [0, 1, 3]) {
          assertInverts(windowDays(days, { lagDays }), downstream, upstream, NOW);
        }
      }
    }
  }
});
