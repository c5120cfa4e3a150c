import assert from "node:assert/strict";
import { murmur2, partitionFor } from "../../generator/partitioner.ts";

Deno.test("murmur2 matches Kafka's Utils.murmur2 test vectors", () => {
  // From Kafka's UtilsTest.testMurmur2.
  const vectors: [string, number][] = [
    ["21", -973932308],
    ["foobar", -790332482],
    ["a-little-bit-long-string", -985981536],
    ["a-little-bit-longer-string", -1486304829],
    ["lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971],
    ["abc", 479470107],
  ];
  for (const [key, expected] of vectors) assert.equal(murmur2(key), expected, key);
});

Deno.test("partitionFor spreads keys over every partition", () => {
  const seen = new Set<number>();
  for (let i = 0; i < 100; i++) seen.add(partitionFor(`usr_${i}`, 6));
  assert.deepEqual([...seen].sort(), [0, 1, 2, 3, 4, 5]);
});
