import assert from "node:assert/strict";
import { defineAsset } from "../../../runtime/definitions/asset.ts";
import type { AssetKey } from "../../../runtime/definitions/asset_key.ts";
import { AssetGraph } from "../../../runtime/graph/asset_graph.ts";
import { daily } from "../../../runtime/partitions/daily_partitions.ts";
import type { PartitionKey } from "../../../runtime/partitions/partition_key.ts";
import { emptyCounts, rollupStatus } from "../../../runtime/staleness/rollup.ts";
import { FRESH, type PartitionStatus } from "../../../runtime/staleness/status.ts";
import type { AssetStatusSummary } from "../../../runtime/staleness/status_resolver.ts";
import {
  decodeStatuses,
  encodeStatuses,
  statusFingerprint,
} from "../../../runtime/staleness/status_snapshot.ts";

const KEY = "gold.a" as AssetKey;
const keys = ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"] as PartitionKey[];
const waiting = (partition: string): PartitionStatus => ({
  status: "waiting",
  causes: [{
    kind: "waiting",
    upstream: "src.x" as AssetKey,
    partition: partition as PartitionKey,
    partitionsRead: 1,
    source: undefined,
  }],
});
const failed: PartitionStatus = {
  status: "failed",
  causes: [{ kind: "failed", runId: "r", error: "boom" }, { kind: "code_changed" }],
};

function summary(statuses: PartitionStatus[]): AssetStatusSummary {
  const counts = emptyCounts();
  for (const status of statuses) counts[status.status]++;
  return {
    key: KEY,
    partitions: new Map(keys.map((key, i) => [key, statuses[i]])),
    counts,
    status: rollupStatus(counts),
  };
}

Deno.test("statuses decode as they were encoded, fresh ones as FRESH", () => {
  const original = summary([FRESH, FRESH, failed, waiting("2026-11-04")]);
  const text = encodeStatuses(keys, original);
  const decoded = decodeStatuses(KEY, keys, text)!;
  assert.deepStrictEqual({ ...decoded, partitions: new Map(decoded.partitions) }, original);
  assert.equal(decoded.partitions.get(keys[0]), FRESH);
  assert.equal(decodeStatuses(KEY, keys.slice(1), text), undefined);
  // Equal statuses share one dictionary entry and neighbours one run.
  assert.deepEqual(JSON.parse(encodeStatuses(keys, summary([FRESH, FRESH, FRESH, FRESH]))).r, [
    4,
    0,
  ]);
});

Deno.test("a status fingerprint changes with code versions, upstreams and a new day", () => {
  const days = daily({ start: "2026-11-01" });
  const now = new Date("2026-11-04T12:00:00Z");
  const build = (code: string, withUp: boolean) => {
    const up = defineAsset({
      key: "src.up",
      partitions: days,
      materialize: () => Promise.resolve({}),
    });
    const a = defineAsset({
      key: KEY,
      deps: withUp ? [up] : [],
      partitions: days,
      codeVersion: code,
      materialize: () => Promise.resolve({}),
    });
    return AssetGraph.build(withUp ? [up, a] : [a]);
  };
  const base = statusFingerprint(build("v1", true), KEY, now);
  assert.equal(statusFingerprint(build("v1", true), KEY, now), base);
  assert.notEqual(statusFingerprint(build("v2", true), KEY, now), base);
  assert.notEqual(statusFingerprint(build("v1", false), KEY, now), base);
  assert.notEqual(
    statusFingerprint(build("v1", true), KEY, new Date("2026-11-05T00:30:00Z")),
    base,
  );
  assert.equal(statusFingerprint(build("v1", true), KEY, new Date("2026-11-04T23:00:00Z")), base);
});
