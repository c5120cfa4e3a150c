import assert from "node:assert/strict";
import { findCycles, formatCycle, type ImportGraph } from "./import_cycles.ts";

const graphOf = (edges: Record<string, string[]>): ImportGraph => new Map(Object.entries(edges));

Deno.test("findCycles() finds nothing in a graph without cycles", () => {
  assert.deepEqual(
    findCycles(graphOf({ "a.ts": ["b.ts", "c.ts"], "b.ts": ["c.ts"], "c.ts": [] })),
    [],
  );
});

Deno.test("a cycle of three files is reported as a -> b -> c -> a", () => {
  const cycles = findCycles(
    graphOf({
      "x/c.ts": ["x/a.ts"],
      "x/a.ts": ["x/b.ts", "lib.ts"],
      "x/b.ts": ["x/c.ts"],
      "lib.ts": [],
    }),
  );
  assert.deepEqual(cycles.map(formatCycle), ["x/a.ts -> x/b.ts -> x/c.ts -> x/a.ts"]);
});

Deno.test("a file that imports itself is a cycle of one", () => {
  assert.deepEqual(findCycles(graphOf({ "a.ts": ["a.ts"] })).map(formatCycle), ["a.ts -> a.ts"]);
});

Deno.test("findCycles() reports separate groups separately, in file order", () => {
  const cycles = findCycles(
    graphOf({ "d.ts": ["c.ts"], "c.ts": ["d.ts"], "a.ts": ["b.ts"], "b.ts": ["a.ts", "c.ts"] }),
  );
  assert.deepEqual(cycles.map(formatCycle), ["a.ts -> b.ts -> a.ts", "c.ts -> d.ts -> c.ts"]);
});

Deno.test("findCycles() shows the shortest cycle of a group and names the rest of it", () => {
  // asset -> context -> asset, and asset -> check -> context -> asset: one group of three.
  const [cycle] = findCycles(
    graphOf({
      "asset.ts": ["check.ts", "context.ts"],
      "check.ts": ["context.ts"],
      "context.ts": ["asset.ts"],
    }),
  );
  assert.deepEqual(cycle, {
    cycle: ["asset.ts", "context.ts"],
    group: ["asset.ts", "check.ts", "context.ts"],
  });
  assert.equal(formatCycle(cycle), "asset.ts -> context.ts -> asset.ts (same group: check.ts)");
});

Deno.test("findCycles() walks a 10,000-file chain without overflowing the stack", () => {
  const edges: Record<string, string[]> = {};
  for (let i = 0; i < 10_000; i++) edges[`f${i}.ts`] = [`f${(i + 1) % 10_000}.ts`];
  const [cycle] = findCycles(graphOf(edges));
  assert.equal(cycle.cycle.length, 10_000);
  assert.equal(cycle.cycle[0], "f0.ts");
  assert.equal(cycle.cycle[1], "f1.ts");
});
