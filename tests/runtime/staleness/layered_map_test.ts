import assert from "node:assert/strict";
import { LayeredMap } from "../../../runtime/staleness/layered_map.ts";
import { StatusMemo } from "../../../runtime/staleness/status_memo.ts";
import type { PartitionKey } from "../../../runtime/partitions/partition_key.ts";
import { FRESH, type PartitionStatus } from "../../../runtime/staleness/status.ts";

const base = (size: number) => new Map(Array.from({ length: size }, (_, i) => [`k${i}`, i]));

Deno.test("LayeredMap.with() reads like the map with the changes set, in the map's order", () => {
  const before = base(1000);
  const after = LayeredMap.with(before, new Map([["k3", -3], ["new", 7]]));
  assert.ok(after instanceof LayeredMap);
  assert.equal(after.size, 1001);
  assert.equal(after.get("k3"), -3);
  assert.equal(after.get("k4"), 4);
  assert.equal(after.get("new"), 7);
  assert.equal(after.has("missing"), false);
  const expected = new Map(before);
  expected.set("k3", -3);
  expected.set("new", 7);
  assert.deepStrictEqual([...after], [...expected]);
  assert.deepStrictEqual([...after.keys()], [...expected.keys()]);
  assert.deepStrictEqual([...after.values()], [...expected.values()]);
  assert.equal(before.get("k3"), 3, "the map it was built from is left as it was");
});

Deno.test("LayeredMap.with() folds the layer into a flat map once it outgrows its share", () => {
  let map: ReadonlyMap<string, number> = base(1000);
  const expected = base(1000);
  for (let i = 0; i < 65; i++) {
    map = LayeredMap.with(map, new Map([[`k${i}`, -i]]));
    expected.set(`k${i}`, -i);
  }
  assert.ok(!(map instanceof LayeredMap), "65 changes over 1,000 entries are folded");
  assert.deepStrictEqual([...map], [...expected]);
});

Deno.test("LayeredMap.candidateChanges() names the layers' keys, or nothing when maps share nothing", () => {
  const flat = base(1000);
  const one = LayeredMap.with(flat, new Map([["k1", 0]]));
  const two = LayeredMap.with(one, new Map([["k2", 0]]));
  assert.deepStrictEqual([...LayeredMap.candidateChanges(flat, one)!], ["k1"]);
  assert.deepStrictEqual(new Set(LayeredMap.candidateChanges(one, two)), new Set(["k1", "k2"]));
  assert.equal(LayeredMap.candidateChanges(base(1000), one), undefined);
  assert.equal(LayeredMap.candidateChanges(one, flat), undefined);
});

Deno.test("StatusMemo.carried() keeps the earlier read's statuses except the invalid ones", () => {
  const stale: PartitionStatus = { status: "stale", causes: [] };
  const first = StatusMemo.empty();
  for (let i = 0; i < 1000; i++) first.set(`p${i}` as PartitionKey, FRESH);
  const second = StatusMemo.carried(first, ["p1" as PartitionKey]);
  assert.equal(second.get("p1" as PartitionKey), undefined);
  assert.equal(second.get("p2" as PartitionKey), FRESH);
  second.set("p1" as PartitionKey, stale);
  // The first read still computes for itself; what it adds outside the invalid ones holds.
  first.set("p1" as PartitionKey, FRESH);
  first.set("p1000" as PartitionKey, FRESH);
  assert.equal(second.get("p1" as PartitionKey), stale);
  assert.equal(second.get("p1000" as PartitionKey), FRESH);
  const third = StatusMemo.carried(second, ["p2" as PartitionKey]);
  assert.equal(third.get("p1" as PartitionKey), stale, "the second read's own statuses carry on");
  assert.equal(third.get("p2" as PartitionKey), undefined);
  assert.equal(first.get("p1" as PartitionKey), FRESH, "later reads write only to their own");
});

Deno.test("StatusMemo.carried() copies once too much of the shared map is hidden", () => {
  let memo = StatusMemo.empty();
  for (let i = 0; i < 1000; i++) memo.set(`p${i}` as PartitionKey, FRESH);
  for (let i = 0; i < 100; i++) memo = StatusMemo.carried(memo, [`p${i}` as PartitionKey]);
  for (let i = 0; i < 100; i++) assert.equal(memo.get(`p${i}` as PartitionKey), undefined);
  for (let i = 100; i < 1000; i++) assert.equal(memo.get(`p${i}` as PartitionKey), FRESH);
});
