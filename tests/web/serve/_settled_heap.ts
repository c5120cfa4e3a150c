// The heap after a full collection, for the tests that hold serve's memory flat across many
// requests (the fuzz test's bad ones, the memory test's good ones).
import assert from "node:assert/strict";
import v8 from "node:v8";
import vm from "node:vm";

/** Heap in use after a full collection (and the deferred cleanup a task later). */
export async function settledHeap(): Promise<Deno.MemoryUsage> {
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc") as () => void;
  await new Promise((resolve) => setTimeout(resolve, 0));
  gc();
  await new Promise((resolve) => setTimeout(resolve, 0));
  gc();
  return Deno.memoryUsage();
}

/** Asserts that the heap grew by under 2 MiB and RSS by under 128 MiB between two settled reads. */
export function assertMemoryFlat(before: Deno.MemoryUsage, after: Deno.MemoryUsage): void {
  const growth = after.heapUsed - before.heapUsed;
  assert.ok(growth < 2 * 1024 * 1024, `heap grew by ${(growth / 1048576).toFixed(2)} MiB`);
  assert.ok(
    after.rss - before.rss < 128 * 1024 * 1024,
    `RSS grew by ${((after.rss - before.rss) / 1048576).toFixed(1)} MiB`,
  );
}
