// LazyPackedStates: a partition looked up in the packed text equals the one unpacked, a key that
// is only a prefix of another is not found, and states keep their identity across the unpacking.
import assert from "node:assert/strict";
import type { PartitionKey } from "../../../../runtime/partitions/partition_key.ts";
import type { PartitionState } from "../../../../runtime/store/metadata_store.ts";
import { LazyPackedStates } from "../../../../runtime/store/sql/lazy_packed_states.ts";
import { unpackStates } from "../../../../runtime/store/sql/packed_states.ts";

const F = "\x1f";
const N = "\x15";

/** A packed record as the server writes it (packed_states.ts): nine fields. */
function record(partition: string, version: string, at: number): string {
  return [partition, version, "code", N, String(at), "run-1", "succeeded", "", N].join(F);
}

const ROW = {
  asset_key: "gold.a",
  states: [record("2026-11-01", "v1", 1), record("2026-11-010", "v2", 2), record("x", "v3", 3)]
    .join("\x1e"),
};
const p = (key: string) => key as PartitionKey;

Deno.test("a partition looked up in the packed text equals the unpacked one", () => {
  const unpacked = unpackStates(ROW);
  const lazy = new LazyPackedStates(ROW);
  for (const key of ["x", "2026-11-010", "2026-11-01"]) {
    assert.deepEqual(lazy.get(p(key)), unpacked.get(p(key)));
    assert.equal(lazy.has(p(key)), true);
  }
  assert.equal(lazy.get(p("2026-11-0")), undefined);
  assert.equal(lazy.has(p("2026-11")), false);
  assert.deepEqual(new Map(lazy), unpacked);
});

Deno.test("a state looked up before the unpacking is the same object after it", () => {
  const lazy = new LazyPackedStates(ROW);
  const before = lazy.get(p("2026-11-010"));
  assert.equal(lazy.size, 3);
  assert.equal(lazy.get(p("2026-11-010")), before);
});

Deno.test("entries added over the packed states win, looked up or iterated", () => {
  const alias: PartitionState = { current: undefined, lastAttempt: undefined };
  const lazy = new LazyPackedStates(ROW);
  lazy.add(p("@champion"), alias);
  assert.equal(lazy.get(p("@champion")), alias);
  assert.deepEqual([...lazy.keys()], ["2026-11-01", "2026-11-010", "x", "@champion"]);
  const counted = new LazyPackedStates(ROW);
  counted.add(p("x"), alias);
  counted.add(p("@champion"), alias);
  counted.add(p("@champion"), alias);
  assert.equal(counted.size, 4);
  assert.equal(new Map(counted).size, 4);
  const empty = new LazyPackedStates(undefined);
  empty.add(p("@champion"), alias);
  assert.deepEqual([...empty], [["@champion", alias]]);
});

Deno.test("past a number of lookups the text is unpacked once and answers every partition", () => {
  const many = {
    asset_key: "gold.a",
    states: Array.from({ length: 40 }, (_, i) => record(`p${i}`, `v${i}`, i)).join("\x1e"),
  };
  const lazy = new LazyPackedStates(many);
  const unpacked = unpackStates(many);
  for (let i = 0; i < 40; i++) assert.deepEqual(lazy.get(p(`p${i}`)), unpacked.get(p(`p${i}`)));
  assert.equal(lazy.get(p("p40")), undefined);
});
