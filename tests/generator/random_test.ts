import assert from "node:assert/strict";
import { Random, Weighted } from "../../generator/random.ts";

Deno.test("Weighted.of() draws exactly what the same table written as pairs draws, in written order", () => {
  const fromRecord = Weighted.of({ paypal: 16, credit_card: 38, bank_transfer: 5 });
  const fromPairs = new Weighted([["paypal", 16], ["credit_card", 38], ["bank_transfer", 5]]);
  const a = new Random(42);
  const b = new Random(42);
  const drawsA = Array.from({ length: 1_000 }, () => fromRecord.sample(a));
  const drawsB = Array.from({ length: 1_000 }, () => fromPairs.sample(b));
  assert.deepEqual(drawsA, drawsB);
  assert.deepEqual(new Set(drawsA), new Set(["paypal", "credit_card", "bank_transfer"]));
});

Deno.test("Weighted.of() refuses an empty table", () => {
  assert.throws(() => Weighted.of({}), /Cannot build a Weighted table without entries/);
});

Deno.test("Weighted.of() over a contract enum needs a weight for every value (checked by the compiler)", () => {
  type Method = "paypal" | "credit_card";
  // @ts-expect-error: credit_card has no weight
  const partial = Weighted.of<Method>({ paypal: 1 });
  assert.equal(partial.sample(new Random(1)), "paypal");
});
