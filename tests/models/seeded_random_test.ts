// The seeded PRNG: the same seed gives the same sequence, values stay in range.
import assert from "node:assert/strict";
import { SeededRandom } from "../../models/seeded_random.ts";

Deno.test("SeededRandom repeats its sequence for a seed and differs for another", () => {
  const draw = (seed: number) => {
    const random = new SeededRandom(seed);
    return Array.from({ length: 5 }, () => random.nextUint32());
  };
  assert.deepEqual(draw(42), draw(42));
  assert.notDeepEqual(draw(42), draw(43));
});

Deno.test("SeededRandom.nextFloat() stays in [0, 1) and nextInt() in [0, bound)", () => {
  const random = new SeededRandom(7);
  let sum = 0;
  for (let i = 0; i < 10_000; i++) {
    const value = random.nextFloat();
    assert.ok(value >= 0 && value < 1);
    sum += value;
    const integer = random.nextInt(6);
    assert.ok(Number.isInteger(integer) && integer >= 0 && integer < 6);
  }
  assert.ok(Math.abs(sum / 10_000 - 0.5) < 0.02, "roughly uniform");
});
