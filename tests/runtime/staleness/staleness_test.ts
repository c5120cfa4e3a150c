import assert from "node:assert/strict";
import { assetKey } from "../../../runtime/definitions/asset_key.ts";
import { unpartitioned } from "../../../runtime/partitions/definition.ts";
import { daily } from "../../../runtime/partitions/daily_partitions.ts";
import type { PartitionKey } from "../../../runtime/partitions/partition_key.ts";
import { partitionStatus, type StalenessInput } from "../../../runtime/staleness/staleness.ts";
import { describeStatus } from "../../../runtime/staleness/status.ts";
import type { PartitionState, RunId } from "../../../runtime/store/metadata_store.ts";
import {
  type CodeVersion,
  codeVersionOf,
  type DataVersion,
  inputSignature,
} from "../../../runtime/definitions/version.ts";

const UP = assetKey("bronze.orders");
const SOURCE = assetKey("source.orders");
const CODE = codeVersionOf("select 1");
const T0 = new Date("2026-11-02T12:00:00Z");
const consumed = (version: string, key = UP) =>
  inputSignature([{ assetKey: key, partition: "", dataVersion: version as DataVersion }]);

function state(overrides: Partial<PartitionState["current"] & object> = {}): PartitionState {
  return {
    current: {
      dataVersion: "d1" as DataVersion,
      codeVersion: CODE,
      inputSignature: consumed("v1"),
      at: T0,
      ...overrides,
    },
    lastAttempt: undefined,
  };
}

function input(overrides: Partial<StalenessInput> = {}): StalenessInput {
  return {
    codeVersion: CODE,
    freshness: undefined,
    partitions: unpartitioned,
    partition: "" as PartitionKey,
    state: state(),
    lease: undefined,
    expectedInputs: consumed("v1"),
    isSource: (key) => key === SOURCE,
    failedUpstreams: [],
    now: T0,
    ...overrides,
  };
}

Deno.test("partitionStatus() is fresh when code and every input are unchanged", () => {
  const status = partitionStatus(input());
  assert.equal(status.status, "fresh");
  assert.deepEqual(status.causes, []);
});

Deno.test("partitionStatus() is never for a partition with no materialization", () => {
  const status = partitionStatus(input({ state: undefined }));
  assert.equal(status.status, "never");
  assert.equal(describeStatus(status), "never materialized");
});

Deno.test("partitionStatus() names the upstream whose data version changed", () => {
  const status = partitionStatus(input({ expectedInputs: consumed("v2") }));
  assert.equal(status.status, "stale");
  assert.equal(describeStatus(status), "upstream bronze.orders has a new data version");
});

Deno.test("partitionStatus() says a source has new data when a source's version changed", () => {
  const status = partitionStatus(input({
    state: state({ inputSignature: consumed("o1", SOURCE) }),
    expectedInputs: consumed("o2", SOURCE),
  }));
  assert.equal(status.status, "stale");
  assert.equal(describeStatus(status), "source source.orders has new data");
});

Deno.test("partitionStatus() reports a changed code version", () => {
  const status = partitionStatus(input({ codeVersion: codeVersionOf("select 2") as CodeVersion }));
  assert.equal(status.status, "stale");
  assert.equal(describeStatus(status), "code version changed");
});

Deno.test("partitionStatus() reports a new upstream partition as a changed upstream", () => {
  const both = inputSignature([
    { assetKey: UP, partition: "", dataVersion: "v1" as DataVersion },
    { assetKey: assetKey("bronze.users"), partition: "", dataVersion: "u1" as DataVersion },
  ]);
  const status = partitionStatus(input({ expectedInputs: both }));
  assert.equal(describeStatus(status), "upstream bronze.users has a new data version");
});

Deno.test("partitionStatus() is failed after a failed attempt, with the error", () => {
  const failed: PartitionState = {
    ...state(),
    lastAttempt: {
      runId: "r2" as RunId,
      status: "failed",
      at: new Date(T0.getTime() + 1000),
      error: "boom",
    },
  };
  const status = partitionStatus(input({ state: failed }));
  assert.equal(status.status, "failed");
  assert.equal(describeStatus(status), "last materialization failed in run r2: boom");
});

Deno.test("partitionStatus() forgets a failure once a later materialization succeeded", () => {
  const recovered: PartitionState = {
    ...state({ at: new Date(T0.getTime() + 2000) }),
    lastAttempt: {
      runId: "r2" as RunId,
      status: "failed",
      at: new Date(T0.getTime() + 1000),
      error: "x",
    },
  };
  assert.equal(partitionStatus(input({ state: recovered })).status, "fresh");
});

Deno.test("partitionStatus() is running while a live lease holds the partition", () => {
  const status = partitionStatus(input({
    lease: {
      assetKey: UP,
      partition: "" as PartitionKey,
      runId: "r9" as RunId,
      owner: "host:1",
      expiresAt: new Date(T0.getTime() + 30_000),
    },
  }));
  assert.equal(status.status, "running");
  assert.match(describeStatus(status), /being materialized by run r9/);
});

Deno.test("partitionStatus() reports an attempt left running without a lease as abandoned", () => {
  const abandoned: PartitionState = {
    ...state(),
    lastAttempt: {
      runId: "r3" as RunId,
      status: "running",
      at: new Date(T0.getTime() + 1),
      error: undefined,
    },
  };
  const status = partitionStatus(input({ state: abandoned }));
  assert.equal(status.status, "failed");
  assert.match(describeStatus(status), /run r3 stopped without finishing/);
});

Deno.test("partitionStatus() says which upstream failed", () => {
  const status = partitionStatus(input({
    failedUpstreams: [{ upstream: UP, partition: "2026-11-01" as PartitionKey }],
  }));
  assert.equal(status.status, "stale");
  assert.equal(describeStatus(status), "upstream bronze.orders failed (partition 2026-11-01)");
});

Deno.test("partitionStatus() is overdue when older than the freshness policy allows", () => {
  const now = new Date(T0.getTime() + 90 * 60_000);
  const status = partitionStatus(input({ freshness: { maximumLagMinutes: 60 }, now }));
  assert.equal(status.status, "overdue");
  assert.equal(
    describeStatus(status),
    "last materialized 90 min ago; freshness policy allows 60 min",
  );
  const onTime = partitionStatus(input({ freshness: { maximumLagMinutes: 120 }, now }));
  assert.equal(onTime.status, "fresh");
});

Deno.test("partitionStatus() puts stale before overdue and lists both reasons", () => {
  const now = new Date(T0.getTime() + 90 * 60_000);
  const status = partitionStatus(input({
    freshness: { maximumLagMinutes: 60 },
    expectedInputs: consumed("v2"),
    now,
  }));
  assert.equal(status.status, "stale");
  assert.equal(status.causes.length, 2);
});

Deno.test("partitionStatus() marks a closed daily partition overdue only if not rematerialized after it closed", () => {
  const days = daily({ start: "2026-11-01" });
  const partition = "2026-11-01" as PartitionKey;
  const closedAt = new Date("2026-11-02T00:00:00Z");
  const before = partitionStatus(input({
    partitions: days,
    partition,
    freshness: { maximumLagMinutes: 60 },
    state: state({ at: new Date("2026-11-01T20:00:00Z") }),
    now: new Date(closedAt.getTime() + 3 * 3_600_000),
  }));
  assert.equal(before.status, "overdue");
  assert.match(describeStatus(before), /partition closed 3 h ago/);
  const after = partitionStatus(input({
    partitions: days,
    partition,
    freshness: { maximumLagMinutes: 60 },
    state: state({ at: new Date(closedAt.getTime() + 60_000) }),
    now: new Date(closedAt.getTime() + 30 * 86_400_000),
  }));
  assert.equal(after.status, "fresh");
});

Deno.test("partitionStatus() is waiting, not never, when no upstream has data for it", () => {
  const status = partitionStatus(input({
    state: undefined,
    waiting: {
      kind: "waiting",
      upstream: SOURCE,
      partition: "" as PartitionKey,
      partitionsRead: 1,
      source: SOURCE,
    },
  }));
  assert.equal(status.status, "waiting");
  assert.equal(describeStatus(status), "no data in source.orders");
});

Deno.test("partitionStatus() ignores a waiting cause once the partition has a version", () => {
  const status = partitionStatus(input({
    waiting: {
      kind: "waiting",
      upstream: SOURCE,
      partition: "" as PartitionKey,
      partitionsRead: 1,
      source: SOURCE,
    },
  }));
  assert.equal(status.status, "fresh");
});
