import assert from "node:assert/strict";
import { daily } from "../../../runtime/partitions/daily_partitions.ts";
import type { PartitionKey } from "../../../runtime/partitions/partition_key.ts";
import { staticPartitions } from "../../../runtime/partitions/static_partitions.ts";
import { describeCounts, emptyCounts, rollupStatus } from "../../../runtime/staleness/rollup.ts";
import { FRESH, type PartitionStatus } from "../../../runtime/staleness/status.ts";
import {
  describePartitionSpans,
  describeRunRange,
  describeRunReasons,
  statusRuns,
} from "../../../runtime/staleness/status_runs.ts";

const waitingFor = (partition: string): PartitionStatus => ({
  status: "waiting",
  causes: [{
    kind: "waiting",
    upstream: "landing.orders" as never,
    partition: partition as PartitionKey,
    partitionsRead: 1,
    source: "landing.orders" as never,
  }],
});

/** 2026-01-01..2026-01-05: waiting, waiting, fresh, waiting, waiting (oldest first). */
function days(): Map<PartitionKey, PartitionStatus> {
  const map = new Map<PartitionKey, PartitionStatus>();
  for (const [d, status] of [["01", "w"], ["02", "w"], ["03", "f"], ["04", "w"], ["05", "w"]]) {
    const key = `2026-01-${d}` as PartitionKey;
    map.set(key, status === "f" ? FRESH : waitingFor(key));
  }
  return map;
}

Deno.test("statusRuns() lists the newest first and collapses neighbours with the same reasons", () => {
  const partitions = daily({ start: "2026-01-01" });
  const lines = statusRuns(days()).map((run) =>
    `${describeRunRange(run)}  ${run.status}  ${describeRunReasons(run, partitions)}`
  );
  assert.deepEqual(lines, [
    "2026-01-04..2026-01-05  waiting  no data in landing.orders (2 days)",
    "2026-01-03  fresh  ",
    "2026-01-01..2026-01-02  waiting  no data in landing.orders (2 days)",
  ]);
});

Deno.test("statusRuns() with expand lists every partition, newest first", () => {
  const runs = statusRuns(days(), { expand: true });
  assert.deepEqual(runs.map(describeRunRange), [
    "2026-01-05",
    "2026-01-04",
    "2026-01-03",
    "2026-01-02",
    "2026-01-01",
  ]);
  assert.equal(runs[0].reasons, "no data in landing.orders");
});

Deno.test("statusRuns() keeps apart partitions whose waiting causes name other days", () => {
  // A partition that waits for another day's data (a latest mapping) names that day.
  const map = new Map<PartitionKey, PartitionStatus>([
    ["2026-01-01" as PartitionKey, waitingFor("2026-01-09")],
    ["2026-01-02" as PartitionKey, waitingFor("2026-01-02")],
  ]);
  assert.deepEqual(statusRuns(map).map((r) => r.reasons), [
    "no data in landing.orders",
    "no data in landing.orders for 2026-01-09",
  ]);
});

Deno.test("describeRunReasons() counts static partitions as partitions", () => {
  const partitions = staticPartitions(["eu", "us"]);
  const [run] = statusRuns(new Map([["eu" as PartitionKey, FRESH], ["us" as PartitionKey, FRESH]]));
  assert.equal(describeRunRange(run), "eu..us");
  assert.equal(describeRunReasons(run, partitions), "(2 partitions)");
});

Deno.test("rollupStatus() leaves waiting partitions out unless every partition waits", () => {
  const counts = { ...emptyCounts(), fresh: 1, waiting: 334 };
  assert.equal(rollupStatus(counts), "fresh");
  assert.equal(describeCounts(counts), "1 fresh, 334 waiting for data");
  assert.equal(rollupStatus({ ...counts, stale: 2 }), "stale");
  assert.equal(rollupStatus({ ...emptyCounts(), waiting: 3 }), "waiting");
  assert.equal(rollupStatus(emptyCounts()), "fresh");
  assert.equal(
    describeCounts({ ...emptyCounts(), failed: 1, never: 2, fresh: 1_200, waiting: 3 }),
    "1 failed, 2 never, 1,200 fresh, 3 waiting for data",
  );
});

Deno.test("describePartitionSpans() joins consecutive days and lists other keys", () => {
  const keys = ["2026-01-03", "2026-01-01", "2026-01-02", "2026-01-05", "eu"] as PartitionKey[];
  assert.equal(describePartitionSpans(keys), "2026-01-01..2026-01-03, 2026-01-05, eu");
  assert.equal(
    describePartitionSpans(["2026-01-01", "2026-01-03", "2026-01-05"] as PartitionKey[], 2),
    "2026-01-01, 2026-01-03, … 1 more",
  );
});
