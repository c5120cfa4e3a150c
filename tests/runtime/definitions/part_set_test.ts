// Part-set locations: a pointer naming several parts round-trips; a plain location is one part.
import assert from "node:assert/strict";
import {
  isPartSet,
  locationParts,
  partSetLocation,
} from "../../../runtime/definitions/part_set.ts";
import { SluiceError } from "../../../runtime/errors.ts";

Deno.test("a part set's location lists its parts in order", () => {
  const uris = ["s3://lake/bronze.orders/2026-11-01/b/", "s3://lake/bronze.orders/2026-11-01/a/"];
  const location = partSetLocation(uris);
  assert.ok(isPartSet(location));
  assert.deepEqual(locationParts(location), uris);
  assert.deepEqual(locationParts(partSetLocation([])), []);
});

Deno.test("a plain location is its only part", () => {
  assert.equal(isPartSet("file:///lake/gold.x/2026-11-01/m1"), false);
  assert.deepEqual(locationParts("file:///lake/gold.x/2026-11-01/m1"), [
    "file:///lake/gold.x/2026-11-01/m1",
  ]);
});

Deno.test("a part set that is not a list of strings is refused, naming the location", () => {
  assert.throws(
    () => locationParts('parts:["a", 3]'),
    (error) => error instanceof SluiceError && /parts:\["a", 3\]/.test(error.message),
  );
  assert.throws(() => locationParts("parts:{}"), SluiceError);
});
