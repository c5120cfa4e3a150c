// readStatuses(): a new process's status read from the statuses the read before it persisted.
// It reads no partition state when nothing changed, computes again what a change, a lease or a
// new day reaches (reading the states of those assets and their upstreams only), and a write it
// could not see when it read the changes is read again next time.
import assert from "node:assert/strict";
import { defineAsset, defineSource } from "../../../runtime/definitions/asset.ts";
import type { AssetKey } from "../../../runtime/definitions/asset_key.ts";
import type { DataVersion } from "../../../runtime/definitions/version.ts";
import { AssetGraph } from "../../../runtime/graph/asset_graph.ts";
import { daily } from "../../../runtime/partitions/daily_partitions.ts";
import type { PartitionKey } from "../../../runtime/partitions/partition_key.ts";
import { readStatuses } from "../../../runtime/staleness/status_reader.ts";
import { StatusResolver } from "../../../runtime/staleness/status_resolver.ts";
import type { MetadataStore, RunId } from "../../../runtime/store/metadata_store.ts";
import { openMetadataStore } from "../../../resources/postgres/open_metadata_store.ts";
import { IN_MEMORY } from "../../../resources/postgres/pglite_client.ts";

const NOW = new Date("2026-11-03T12:00:00Z");
const DAY1 = "2026-11-01" as PartitionKey;
const DAY2 = "2026-11-02" as PartitionKey;
const SRC = "src.events" as AssetKey;
const A = "l1.a" as AssetKey;
const B = "l2.b" as AssetKey;

function graph(): AssetGraph {
  const days = daily({ start: "2026-11-01" });
  const noop = () => Promise.resolve({});
  const src = defineSource({
    key: SRC,
    partitions: days,
    observe: () => Promise.resolve({ partitions: new Map() }),
  });
  const a = defineAsset({ key: A, deps: [src], partitions: days, materialize: noop });
  const b = defineAsset({ key: B, deps: [a], partitions: days, materialize: noop });
  return AssetGraph.build([src, a, b]);
}

/** The store with its reads of partition states counted, and `after` run after each change read. */
function counting(store: MetadataStore, after: () => Promise<unknown> = () => Promise.resolve()) {
  const reads = { statesOf: [] as AssetKey[][], changed: [] as AssetKey[][] };
  const wrapped: MetadataStore = Object.assign(Object.create(store), {
    changes: {
      async statesSince(mark: Parameters<MetadataStore["changes"]["statesSince"]>[0]) {
        const changes = await store.changes.statesSince(mark);
        reads.changed.push([...changes.states.keys()]);
        await after();
        return changes;
      },
      statesOf(keys: readonly AssetKey[]) {
        reads.statesOf.push([...keys].sort());
        return store.changes.statesOf(keys);
      },
    },
  });
  return { store: wrapped, reads };
}

async function assertTrue(graph: AssetGraph, store: MetadataStore, now: Date) {
  const persisted = await readStatuses(graph, store, now);
  const truth = await StatusResolver.loadUncached(graph, store, now);
  for (const key of graph.order) {
    const summary = persisted.asset(key);
    assert.deepStrictEqual(
      { ...summary, partitions: new Map(summary.partitions) },
      truth.asset(key),
      `${key} differs`,
    );
  }
}

async function withStore(fn: (store: MetadataStore) => Promise<void>) {
  const store = await openMetadataStore({ embeddedDir: IN_MEMORY });
  try {
    await fn(store);
  } finally {
    await store.close();
  }
}

const observe = (store: MetadataStore, partition: PartitionKey, version: string) =>
  store.partitions.recordObservation(
    SRC,
    new Map([[partition, version as DataVersion]]),
    {},
    NOW,
  );

Deno.test("a read after one that changed nothing reads no partition state", async () => {
  await withStore(async (plain) => {
    const g = graph();
    await observe(plain, DAY1, "v1");
    await assertTrue(g, plain, NOW); // the first read stores the set
    const { store, reads } = counting(plain);
    const statuses = await readStatuses(g, store, NOW);
    assert.deepEqual(reads, { statesOf: [], changed: [[]] });
    assert.deepEqual(statuses.asset(A).counts, {
      running: 0,
      failed: 0,
      never: 1,
      waiting: 2,
      stale: 0,
      overdue: 0,
      fresh: 0,
    });
  });
});

Deno.test("a change reads the states of the assets it reaches and their upstreams only", async () => {
  await withStore(async (plain) => {
    const g = graph();
    await observe(plain, DAY1, "v1");
    await assertTrue(g, plain, NOW);
    // Only b's own states changed: a's statuses hold, b is computed from a's and b's states.
    await plain.partitions.recordAttempt(B, DAY2, {
      runId: "run-1" as RunId,
      status: "failed",
      at: NOW,
      error: "boom",
    });
    const { store, reads } = counting(plain);
    await assertTrue(g, store, NOW);
    assert.deepEqual(reads.statesOf, [[A, B]]);
    // Stored again: the next read reads nothing.
    await assertTrue(g, store, NOW);
    assert.deepEqual(reads.statesOf, [[A, B]]);
  });
});

Deno.test("a write committed between the change read and the state read is read again next time", async () => {
  await withStore(async (plain) => {
    const g = graph();
    await assertTrue(g, plain, NOW);
    await observe(plain, DAY1, "v1");
    let written = false;
    const { store } = counting(plain, async () => {
      if (written) return;
      written = true;
      await observe(plain, DAY2, "v2");
    });
    // The read's states hold DAY2's observation, its mark does not: the set stored at that mark
    // is computed again from the next read's changes.
    await readStatuses(g, store, NOW);
    const { store: next, reads } = counting(plain);
    await assertTrue(g, next, NOW);
    assert.deepEqual(reads.changed[0], [SRC]);
  });
});

Deno.test("a leased partition's asset and its downstreams are computed, never stored", async () => {
  await withStore(async (plain) => {
    const g = graph();
    await observe(plain, DAY1, "v1");
    await assertTrue(g, plain, NOW);
    const before = await plain.snapshots.read();
    await plain.leases.claim(A, DAY1, "run-1" as RunId, "worker", 3_600_000);
    const { store, reads } = counting(plain);
    await assertTrue(g, store, NOW);
    assert.equal((await readStatuses(g, store, NOW)).asset(A).counts.running, 1);
    assert.deepEqual(reads.statesOf.at(-1), [A, B, SRC]);
    // A lease alone stores nothing: every read computes what it reaches again.
    assert.deepEqual(await plain.snapshots.read(), before);
    // A change stores the set again, without the leased asset and its downstream.
    await observe(plain, DAY2, "v2");
    await assertTrue(g, store, NOW);
    const stored = await plain.snapshots.read();
    assert.deepEqual(stored?.assets.map((a) => a.assetKey), [SRC]);
    await plain.leases.release(A, DAY1, "run-1" as RunId);
    await assertTrue(g, plain, NOW);
  });
});

Deno.test("a new day's partition makes every daily asset computed again", async () => {
  await withStore(async (plain) => {
    const g = graph();
    await observe(plain, DAY1, "v1");
    await assertTrue(g, plain, NOW);
    const tomorrow = new Date(NOW.getTime() + 86_400_000);
    const { store, reads } = counting(plain);
    await assertTrue(g, store, tomorrow);
    assert.deepEqual(reads.statesOf, [[A, B, SRC]]);
    assert.equal((await readStatuses(g, store, tomorrow)).asset(B).partitions.size, 4);
    assert.deepEqual(reads.statesOf.length, 1);
  });
});

Deno.test("a day that lands is computed downstream as far as partitions stop waiting", async () => {
  await withStore(async (plain) => {
    const g = graph();
    await observe(plain, DAY1, "v1");
    await assertTrue(g, plain, NOW);
    await observe(plain, DAY2, "v2");
    const { store, reads } = counting(plain);
    await assertTrue(g, store, NOW);
    // The source's day and a's (directly downstream), then b's once a's day stopped waiting.
    assert.deepEqual(reads.statesOf, [[A, SRC], [B]]);
    assert.equal((await readStatuses(g, store, NOW)).asset(B).counts.never, 2);
    assert.equal(reads.statesOf.length, 2);
  });
});
