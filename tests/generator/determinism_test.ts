import assert from "node:assert/strict";
import { generateInto, readBatches, tempLanding } from "./_landing.ts";

function snapshot(landing: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const batch of readBatches(landing)) {
    files.set(batch.path.slice(landing.length), new TextDecoder().decode(batch.bytes));
  }
  return files;
}

Deno.test("the same seed and flags write byte-identical landing files", () => {
  const first = tempLanding();
  const second = tempLanding();
  generateInto(first);
  generateInto(second);
  const a = snapshot(first);
  const b = snapshot(second);
  assert.ok(a.size > 6);
  assert.deepEqual([...a.keys()], [...b.keys()]);
  for (const [path, content] of a) assert.equal(b.get(path), content, path);
});

Deno.test("a different seed writes different events", () => {
  const first = tempLanding();
  const second = tempLanding();
  generateInto(first, { seed: 1 });
  generateInto(second, { seed: 2 });
  const a = snapshot(first);
  const b = snapshot(second);
  const path = "/orders/0/00000000000000000000.ndjson";
  assert.notEqual(a.get(path), b.get(path));
});

Deno.test("changing the malformed rate leaves the well-formed events as they were", () => {
  const clean = tempLanding();
  const noisy = tempLanding();
  const cleanReport = generateInto(clean, { malformedRate: 0 });
  const noisyReport = generateInto(noisy, { malformedRate: 0.01 });
  assert.equal(cleanReport.malformed, 0);
  assert.ok(noisyReport.malformed > 0);
  const cleanLines = new Set([...snapshot(clean).values()].flatMap((text) => text.split("\n")));
  const noisyLines = [...snapshot(noisy).values()].flatMap((text) => text.split("\n"));
  const unchanged = noisyLines.filter((line) => cleanLines.has(line)).length;
  assert.equal(unchanged, noisyLines.length - noisyReport.malformed);
});
