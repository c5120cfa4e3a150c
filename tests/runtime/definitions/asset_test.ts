import assert from "node:assert/strict";
import { defineAsset, defineSource, dep } from "../../../runtime/definitions/asset.ts";
import type { AssetCheck } from "../../../runtime/definitions/check.ts";
import { DefinitionError } from "../../../runtime/errors.ts";
import { daily } from "../../../runtime/partitions/daily_partitions.ts";
import { identity } from "../../../runtime/partitions/mapping.ts";
import { DEFAULT_RETRY, DEFAULT_TIMEOUT_MS } from "../../../runtime/definitions/policies.ts";

const noop = () => Promise.resolve({});

function check(name: string): AssetCheck {
  return { name, severity: "error", run: () => Promise.resolve({ passed: true, message: "" }) };
}

function rejects(spec: () => unknown, key: string, message: RegExp): void {
  assert.throws(spec, (error: Error) => {
    assert.ok(error instanceof DefinitionError, `expected a DefinitionError, got ${error}`);
    assert.match(error.message, message);
    assert.equal(error.assetKey, key);
    return true;
  });
}

Deno.test("defineAsset() fills defaults: group from the key prefix, unpartitioned, default policies", () => {
  const asset = defineAsset({ key: "silver.orders", materialize: noop });
  assert.equal(asset.kind, "asset");
  assert.equal(asset.group, "silver");
  assert.equal(asset.partitions.kind, "unpartitioned");
  assert.deepEqual(asset.retry, DEFAULT_RETRY);
  assert.equal(asset.timeoutMs, DEFAULT_TIMEOUT_MS);
  assert.equal(asset.freshness, undefined);
  assert.deepEqual(asset.deps, []);
  assert.ok(Object.isFrozen(asset) && Object.isFrozen(asset.deps) && Object.isFrozen(asset.tags));
});

Deno.test("defineAsset() keeps upstreams given as values and with mappings", () => {
  const days = daily({ start: "2026-01-01" });
  const bronze = defineAsset({ key: "bronze.orders", partitions: days, materialize: noop });
  const users = defineAsset({ key: "bronze.users", materialize: noop });
  const silver = defineAsset({
    key: "silver.orders",
    deps: [dep(bronze, identity()), users],
    refs: [{ key: "bronze.devices" }],
    materialize: noop,
  });
  assert.deepEqual(silver.deps.map((edge) => [edge.key, edge.mapping?.name]), [
    ["bronze.orders", "identity"],
    ["bronze.users", undefined],
    ["bronze.devices", undefined],
  ]);
});

Deno.test("defineAsset() rejects a bad key and names it", () => {
  assert.throws(
    () => defineAsset({ key: "Silver Orders", materialize: noop }),
    /Cannot use 'Silver Orders' as an asset key: expected dot-separated lowercase names/,
  );
});

Deno.test("defineAsset() rejects a bad tag and names the key and tag", () => {
  rejects(
    () => defineAsset({ key: "a.b", tags: ["has space"], materialize: noop }),
    "a.b",
    /Asset 'a\.b' has tag 'has space'/,
  );
});

Deno.test("defineAsset() rejects bad policies and names the key and value", () => {
  rejects(
    () => defineAsset({ key: "a.b", retry: { maxAttempts: 0 }, materialize: noop }),
    "a.b",
    /cannot retry with maxAttempts 0: expected a whole number of at least 1/,
  );
  rejects(
    () =>
      defineAsset({ key: "a.b", retry: { initialDelayMs: 10, maxDelayMs: 5 }, materialize: noop }),
    "a.b",
    /retry delays 10\.\.5 ms/,
  );
  rejects(
    () => defineAsset({ key: "a.b", retry: { jitter: 2 }, materialize: noop }),
    "a.b",
    /retry jitter 2: expected 0 to 1/,
  );
  rejects(
    () => defineAsset({ key: "a.b", timeoutMs: 0, materialize: noop }),
    "a.b",
    /timeoutMs 0: expected a positive number/,
  );
  rejects(
    () => defineAsset({ key: "a.b", timeoutMs: Infinity, materialize: noop }),
    "a.b",
    /timeoutMs Infinity/,
  );
  rejects(
    () => defineAsset({ key: "a.b", freshness: { maximumLagMinutes: 0 }, materialize: noop }),
    "a.b",
    /freshness maximumLagMinutes 0: expected a positive number/,
  );
});

Deno.test("defineAsset() rejects a self-dependency", () => {
  rejects(
    () => defineAsset({ key: "a.b", refs: [{ key: "a.b" }], materialize: noop }),
    "a.b",
    /Asset 'a\.b' cannot depend on itself/,
  );
});

Deno.test("defineAsset() rejects an upstream listed twice", () => {
  const up = defineAsset({ key: "a.up", materialize: noop });
  rejects(
    () => defineAsset({ key: "a.b", deps: [up], refs: [{ key: "a.up" }], materialize: noop }),
    "a.b",
    /Asset 'a\.b' lists upstream 'a\.up' twice/,
  );
});

Deno.test("defineAsset() rejects two checks with the same name and names it", () => {
  rejects(
    () => defineAsset({ key: "a.b", checks: [check("rows"), check("rows")], materialize: noop }),
    "a.b",
    /Asset 'a\.b' defines check 'rows' twice/,
  );
});

Deno.test("defineAsset() changes the code version when materialize's source changes", () => {
  const one = defineAsset({ key: "a.b", materialize: () => Promise.resolve({ rows: 1 }) });
  const same = defineAsset({ key: "a.c", materialize: () => Promise.resolve({ rows: 1 }) });
  const two = defineAsset({ key: "a.b", materialize: () => Promise.resolve({ rows: 2 }) });
  assert.equal(one.codeVersion, same.codeVersion);
  assert.notEqual(one.codeVersion, two.codeVersion);
});

Deno.test("defineAsset() takes the code version from the SQL text or an explicit override", () => {
  const a = defineAsset({ key: "a.b", sql: "select 1", materialize: noop });
  const b = defineAsset({ key: "a.b", sql: "select 1", materialize: () => Promise.resolve({}) });
  const c = defineAsset({ key: "a.b", sql: "select 2", materialize: noop });
  assert.equal(a.codeVersion, b.codeVersion);
  assert.notEqual(a.codeVersion, c.codeVersion);
  const pinned = defineAsset({ key: "a.b", codeVersion: "v1", materialize: noop });
  const pinnedToo = defineAsset({ key: "a.b", codeVersion: "v1", materialize: () => noop() });
  assert.equal(pinned.codeVersion, pinnedToo.codeVersion);
  assert.equal(a.sql, "select 1");
});

Deno.test("defineAsset() calls materialize with the spec as this", async () => {
  const asset = defineAsset(
    {
      key: "a.b",
      rows: 3,
      materialize() {
        return Promise.resolve({ rows: (this as unknown as { rows: number }).rows });
      },
    } as Parameters<typeof defineAsset>[0],
  );
  assert.deepEqual(await asset.materialize({} as Parameters<typeof asset.materialize>[0]), {
    rows: 3,
  });
});

Deno.test("defineSource() describes an observable source", () => {
  const source = defineSource({
    key: "source.orders",
    tags: ["kafka"],
    description: "The orders topic.",
    observe: () => Promise.resolve({ partitions: new Map() }),
  });
  assert.equal(source.kind, "source");
  assert.equal(source.group, "source");
  assert.deepEqual(source.tags, ["kafka"]);
  assert.equal(source.description, "The orders topic.");
});

Deno.test("defineAsset() keeps the retry default for a field given as undefined", () => {
  const asset = defineAsset({
    key: "demo.partial_retry",
    retry: { maxAttempts: undefined, initialDelayMs: 5 },
    materialize: () => Promise.resolve({}),
  });
  assert.equal(asset.retry.maxAttempts, 3);
  assert.equal(asset.retry.initialDelayMs, 5);
});
