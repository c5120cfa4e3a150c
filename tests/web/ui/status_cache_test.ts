import assert from "node:assert/strict";
import { AssetGraph } from "../../../runtime/graph/asset_graph.ts";
import type { StatusResolver } from "../../../runtime/staleness/status_resolver.ts";
import { StatusCache } from "../../../web/ui/status_cache.ts";
import { StepClock } from "./fixtures.ts";

/** A cache whose reads the test completes by hand; each read resolves to a numbered resolver. */
function cache(maxAgeMs = 1000, maxStaleMs = 10_000) {
  const clock = new StepClock();
  const pending: PromiseWithResolvers<StatusResolver>[] = [];
  const statuses = new StatusCache({
    graph: AssetGraph.build([]),
    clock,
    maxAgeMs,
    maxStaleMs,
    load: () => {
      const read = Promise.withResolvers<StatusResolver>();
      pending.push(read);
      return read.promise;
    },
  });
  /** Completes the oldest outstanding read as resolver number `n`. */
  const finish = async (n: number) => {
    pending.shift()!.resolve({ n } as unknown as StatusResolver);
    await new Promise((resolve) => setTimeout(resolve, 0));
  };
  const number = (snapshot: { resolver: unknown }) => (snapshot.resolver as { n: number }).n;
  return { statuses, clock, pending, finish, number };
}

Deno.test("StatusCache shares one read among concurrent requests and keeps it while young", async () => {
  const { statuses, clock, pending, finish, number } = cache();
  const both = Promise.all([statuses.get(), statuses.get()]);
  assert.equal(pending.length, 1);
  await finish(1);
  assert.deepEqual((await both).map(number), [1, 1]);
  clock.advance(999);
  assert.equal(number(await statuses.get()), 1);
  assert.equal(statuses.loads, 1);
});

Deno.test("StatusCache answers an expired snapshot at once while it reads the store again", async () => {
  const { statuses, clock, pending, finish, number } = cache();
  const first = statuses.get();
  await finish(1);
  await first;
  clock.advance(1500);
  assert.equal(number(await statuses.get()), 1, "the old snapshot, without waiting");
  assert.equal(number(await statuses.get()), 1);
  assert.equal(pending.length, 1, "one read in the background");
  await finish(2);
  assert.equal(number(await statuses.get()), 2);
});

Deno.test("StatusCache makes a request wait past the staleness limit and after invalidate()", async () => {
  const { statuses, clock, pending, finish, number } = cache();
  const first = statuses.get();
  await finish(1);
  await first;
  clock.advance(10_000);
  const waited = statuses.get();
  await finish(2);
  assert.equal(number(await waited), 2);

  // A read that began before a change of ours is not kept: the next request waits for a new one.
  clock.advance(1500);
  assert.equal(number(await statuses.get()), 2);
  statuses.invalidate();
  const afterChange = statuses.get();
  assert.equal(pending.length, 2);
  await finish(3);
  await finish(4);
  assert.equal(number(await afterChange), 4);
  assert.equal(number(await statuses.get()), 4);
});
