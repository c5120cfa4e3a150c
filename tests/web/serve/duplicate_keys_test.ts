import assert from "node:assert/strict";
import { duplicateKeys, scanDuplicates } from "../../../web/serve/duplicate_keys.ts";

const find = (text: string) => duplicateKeys(text, JSON.parse(text));

Deno.test("duplicateKeys() finds nothing in bodies without repeated keys", () => {
  for (
    const text of [
      "{}",
      "[]",
      '{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}',
      '{"id":"tx:1","note":"a:b:c","x":"\\u003a"}',
      '{"a:b":1,"a":{"b:c":"d:e"}}',
      '"just: a string"',
      "[[[[[]]]]]",
    ]
  ) {
    assert.deepEqual(find(text), [], text);
  }
});

Deno.test("duplicateKeys() names each repeated key with its path", () => {
  assert.deepEqual(find('{"a":1,"a":2}'), [["a"]]);
  assert.deepEqual(find('{"rows":[{"x":1},{"x":1,"y":2,"x":3}]}'), [["rows", 1, "x"]]);
  assert.deepEqual(find('{"a":{"b":1,"b":{"c":1,"c":2}}}'), [["a", "b"], ["a", "b", "c"]]);
  assert.deepEqual(find('{"a":1, "b" : 2 ,\n "a" : 3}'), [["a"]]);
});

Deno.test("duplicateKeys() sees keys repeated under different escapes", () => {
  assert.deepEqual(find('{"a":1,"\\u0061":2}'), [["a"]]);
});

Deno.test("duplicateKeys() is not fooled by colons in strings or escaped colons", () => {
  // Without the escape check the colon count would balance the lost key.
  assert.deepEqual(find('{"k":"\\u003a","k":"x"}'), [["k"]]);
  assert.deepEqual(find('{"k":"a:b","k":"c"}'), [["k"]]);
  assert.deepEqual(find('{"id":"tx:1","id":"tx:2"}'), [["id"]]);
  // A dropped value holding colons changes the count the other way.
  assert.deepEqual(find('{"k":{"p":"a:b"},"k":1}'), [["k"]]);
});

Deno.test("scanDuplicates() handles strings with quotes and backslashes", () => {
  assert.deepEqual(scanDuplicates('{"a\\"":1,"b":"}\\\\","a\\"":2}'), [['a"']]);
});

Deno.test("duplicateKeys() walks deep nesting without recursion", () => {
  const depth = 100_000;
  const text = "[".repeat(depth) + "]".repeat(depth);
  assert.deepEqual(find(text), []);
  const objects = '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
  assert.deepEqual(find(objects), []);
  // An escaped colon sends the body to the token scan, which must stay linear too.
  const scanned = '{"a":'.repeat(depth) + '{"k":"\\u003a","k":1}' + "}".repeat(depth);
  const found = find(scanned);
  assert.equal(found.length, 1);
  assert.equal(found[0].length, depth + 1);
  assert.equal(found[0].at(-1), "k");
});
