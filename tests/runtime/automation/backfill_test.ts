import assert from "node:assert/strict";
import { splitBackfill } from "../../../runtime/automation/backfill.ts";
import { RequestError } from "../../../runtime/errors.ts";
import type { NewRunRequest } from "../../../runtime/store/metadata_store.ts";

const base: NewRunRequest = {
  kind: "materialize",
  selection: "group:gold+",
  partitions: "2026-11-01..2026-11-07",
  force: true,
  tags: { owner: "ana" },
  origin: "cli",
};

Deno.test("a range of days is split into chunks that share a backfill tag and have run keys", () => {
  const chunks = splitBackfill(base, 3, "bf1");
  assert.deepEqual(chunks.map((c) => [c.partitions, c.runKey, c.tags]), [
    ["2026-11-01..2026-11-03", "backfill:bf1:2026-11-01", { owner: "ana", backfill: "bf1" }],
    ["2026-11-04..2026-11-06", "backfill:bf1:2026-11-04", { owner: "ana", backfill: "bf1" }],
    ["2026-11-07", "backfill:bf1:2026-11-07", { owner: "ana", backfill: "bf1" }],
  ]);
  assert.equal(chunks.every((c) => c.selection === "group:gold+" && c.force === true), true);
});

Deno.test("one partition, no partitions or a range of names is not split", () => {
  for (const partitions of ["2026-11-01", undefined, "eu..us"]) {
    assert.deepEqual(splitBackfill({ ...base, partitions }, 1, "x"), [{ ...base, partitions }]);
  }
});

Deno.test("a backwards range or a chunk below one day is a RequestError saying so", () => {
  assert.throws(
    () => splitBackfill({ ...base, partitions: "2026-11-07..2026-11-01" }, 1, "x"),
    (e: unknown) =>
      e instanceof RequestError &&
      e.message ===
        "Cannot select partitions 2026-11-07..2026-11-01: the range ends before it starts",
  );
  assert.throws(
    () => splitBackfill(base, 0, "x"),
    (e: unknown) =>
      e instanceof RequestError &&
      e.message === "Cannot split a backfill into chunks of 0 days: expected 1 or more",
  );
});
