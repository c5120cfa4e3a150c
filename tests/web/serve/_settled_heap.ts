// The heap after a full collection, for the tests that hold serve's memory flat across many
// requests (the fuzz test's bad ones, the memory test's good ones).
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
