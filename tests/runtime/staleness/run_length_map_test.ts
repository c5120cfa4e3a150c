import assert from "node:assert/strict";
import { RunLengthMap } from "../../../runtime/staleness/run_length_map.ts";

Deno.test("a run-length map reads like the map of its keys and runs, sorted keys or not", () => {
  for (const keys of [["a", "b", "c", "d", "e"], ["d", "a", "e", "c", "b"]]) {
    const map = new RunLengthMap(keys, [2, 3, 5], [1, 2, 3]);
    const plain = new Map(keys.map((key, i) => [key, i < 2 ? 1 : i < 3 ? 2 : 3]));
    assert.deepEqual(new Map(map), plain);
    assert.equal(map.size, 5);
    for (const key of keys) assert.equal(map.get(key), plain.get(key), key);
    assert.equal(map.get("z"), undefined);
    assert.equal(map.has("z"), false);
    assert.equal(map.has(keys[4]), true);
    assert.deepEqual([...map.keys()], keys);
    assert.deepEqual([...map.values()], [...plain.values()]);
  }
  assert.deepEqual(new Map(new RunLengthMap([], [], [])), new Map());
});
