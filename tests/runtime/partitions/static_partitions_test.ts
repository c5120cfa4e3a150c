import assert from "node:assert/strict";
import { DefinitionError, RequestError } from "../../../runtime/errors.ts";
import { partitionKey } from "../../../runtime/partitions/partition_key.ts";
import { staticPartitions } from "../../../runtime/partitions/static_partitions.ts";

const key = partitionKey;

Deno.test("keys() gives the names in the order given", () => {
  assert.deepEqual(staticPartitions(["us", "eu", "apac"]).keys(), ["us", "eu", "apac"]);
});

Deno.test("keys() does not change when the caller's array does", () => {
  const names = ["us", "eu"];
  const regions = staticPartitions(names);
  names.push("apac");
  assert.deepEqual(regions.keys(), ["us", "eu"]);
  assert.ok(!regions.contains(key("apac")));
});

Deno.test("contains() accepts only the names", () => {
  const regions = staticPartitions(["us", "eu"]);
  assert.ok(regions.contains(key("eu")));
  assert.ok(!regions.contains(key("EU")));
  assert.ok(!regions.contains(key("")));
});

Deno.test("range() gives the names between two bounds in definition order", () => {
  const regions = staticPartitions(["a", "b", "c", "d"]);
  assert.deepEqual(regions.range(key("b"), key("d")), ["b", "c", "d"]);
  assert.deepEqual(regions.range(key("c"), key("c")), ["c"]);
});

Deno.test("range() names an unknown bound and lists the names", () => {
  const regions = staticPartitions(["us", "eu"]);
  assert.throws(
    () => regions.range(key("us"), key("mars")),
    (error: Error) =>
      error instanceof RequestError &&
      error.message === "Cannot select partition 'mars': expected one of us, eu",
  );
});

Deno.test("range() rejects bounds in the wrong order", () => {
  assert.throws(
    () => staticPartitions(["us", "eu"]).range(key("eu"), key("us")),
    /Cannot select partitions eu\.\.us: 'us' comes before 'eu'/,
  );
});

Deno.test("staticPartitions() rejects no names, a repeated name and a bad name", () => {
  assert.throws(() => staticPartitions([]), DefinitionError);
  assert.throws(() => staticPartitions(["eu", "eu"]), /static partition 'eu' twice/);
  assert.throws(() => staticPartitions(["e u"]), /'e u' as a static partition/);
});

Deno.test("window() is undefined and describe() lists the names", () => {
  const regions = staticPartitions(["us", "eu"]);
  assert.equal(regions.window(), undefined);
  assert.equal(regions.describe(), "static (us, eu)");
});
