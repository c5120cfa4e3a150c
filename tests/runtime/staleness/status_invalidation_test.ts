// Property test of the status cache: after random sequences of commits, failures, running and
// abandoned attempts, leases taken and expiring, observations, alias moves, code changes and a
// moving clock, the statuses a cached load() gives (the store's mirror read incrementally, the
// last read's statuses carried over) equal those of a full, uncached read — for the newest read
// and for older resolvers asked later; so do those of readStatuses(), which starts from the
// statuses persisted by the read before it (a new process's read, status_reader.ts), and those of
// load() in a second process (a store object of its own over the same database, begun anew now
// and then), whose first read starts from the persisted statuses with every state packed and
// whose later reads are warm ones over it. Seeded: a failure names its seed and operation.
import assert from "node:assert/strict";
import {
  type AnyAsset,
  defineAsset,
  defineSource,
  dep,
} from "../../../runtime/definitions/asset.ts";
import type { AssetKey } from "../../../runtime/definitions/asset_key.ts";
import {
  type ConsumedInput,
  type DataVersion,
  inputSignature,
} from "../../../runtime/definitions/version.ts";
import { AssetGraph } from "../../../runtime/graph/asset_graph.ts";
import { daily } from "../../../runtime/partitions/daily_partitions.ts";
import { isoDateFromEpochDay } from "../../../runtime/partitions/calendar.ts";
import { aliased, latestPartition, windowDays } from "../../../runtime/partitions/mapping.ts";
import type { PartitionKey } from "../../../runtime/partitions/partition_key.ts";
import { readStatuses, type StatusSummaries } from "../../../runtime/staleness/status_reader.ts";
import { StatusResolver } from "../../../runtime/staleness/status_resolver.ts";
import { loadStatusResolver } from "../../../runtime/staleness/status_loading.ts";
import type {
  MaterializationId,
  MetadataStore,
  RunId,
  StateIndex,
} from "../../../runtime/store/metadata_store.ts";
import { openMetadataStore } from "../../../resources/postgres/open_metadata_store.ts";
import { IN_MEMORY } from "../../../resources/postgres/pglite_client.ts";
import { seededRandom } from "../../support/seeded_random.ts";
import { createFreshDatabase, needsPostgres } from "../../support/services.ts";

const DAY_MS = 86_400_000;
const RUNS = ["run-a", "run-b"] as RunId[];
const MODEL = "m.model" as AssetKey;

/**
 * Three versions of one graph that differ in code versions: a source, an unpartitioned seed,
 * identity, a 3-day window with a freshness policy, every day, the latest day and an alias.
 * The days start five days before the test's start, with no end, so a clock that passes
 * midnight adds a partition.
 */
function graphs(startDay: number): AssetGraph[] {
  const days = daily({ start: isoDateFromEpochDay(startDay - 5) });
  return [0, 1, 2].map((variant) => {
    const code = (key: string) => `${key}:${variant === 0 || key.length % 2 === variant % 2}`;
    const noop = () => Promise.resolve({});
    const src = defineSource({
      key: "src.events",
      partitions: days,
      observe: () => Promise.resolve({ partitions: new Map() }),
    });
    const seed = defineAsset({ key: "seed.ref", codeVersion: code("seed"), materialize: noop });
    const a = defineAsset({
      key: "l1.a",
      deps: [src],
      partitions: days,
      codeVersion: code("a"),
      materialize: noop,
    });
    const b = defineAsset({
      key: "l1.b",
      deps: [a, seed],
      partitions: days,
      codeVersion: code("bb"),
      materialize: noop,
    });
    const window = defineAsset({
      key: "l2.window",
      deps: [dep(a, windowDays(3))],
      partitions: days,
      freshness: { maximumLagMinutes: 90 },
      codeVersion: code("window"),
      materialize: noop,
    });
    const summary = defineAsset({
      key: "l3.summary",
      deps: [b],
      codeVersion: code("summary"),
      materialize: noop,
    });
    const latest = defineAsset({
      key: "l3.latest",
      deps: [dep(window, latestPartition())],
      codeVersion: code("latest"),
      materialize: noop,
    });
    const model = defineAsset({
      key: MODEL,
      deps: [b],
      partitions: days,
      codeVersion: code("model"),
      materialize: noop,
    });
    const scores = defineAsset({
      key: "m.scores",
      deps: [b, dep(model, aliased("champion"))],
      partitions: days,
      codeVersion: code("scores"),
      materialize: noop,
    });
    const assets: AnyAsset[] = [src, seed, a, b, window, summary, latest, model, scores];
    return AssetGraph.build(assets);
  });
}

interface HeldLease {
  readonly key: AssetKey;
  readonly partition: PartitionKey;
  readonly runId: RunId;
}

/** One random run of operations against `store`, comparing statuses after each. */
async function randomHistory(store: MetadataStore, seed: number, operations: number) {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  let now = new Date();
  const variants = graphs(Math.floor(now.getTime() / DAY_MS));
  let graph = variants[0];
  const held: HeldLease[] = [];
  /** Another process's store: its own mirror and resolvers over the same database. */
  const process = () => Object.create(store) as MetadataStore;
  let other = process();
  const models: MaterializationId[] = [];
  let ids = 0;
  /** Older reads, each with an uncached read made at the same time, asked again later. */
  const older: { cached: StatusResolver; truth: StatusResolver; what: string }[] = [];
  for (const runId of RUNS) {
    await store.runs.startRun({
      id: runId,
      command: "test",
      selection: "*",
      partitions: "",
      host: "test",
      pid: 1,
      startedAt: now,
    });
  }

  const assets = () => [...graph.assets()].filter((a) => a.kind === "asset");
  const somePartition = (key: AssetKey): PartitionKey => {
    const keys = graph.get(key).partitions.keys(now);
    return pick(keys);
  };
  const begin = async (key: AssetKey, partition: PartitionKey, runId: RunId, ttlMs: number) => {
    const reads = [{ assetKey: key, partition }];
    for (const { edge, partitions } of graph.upstreamPartitions(key, partition, now)) {
      for (const p of partitions) reads.push({ assetKey: edge.upstream, partition: p });
    }
    const begun = await store.steps.begin({
      assetKey: key,
      partition,
      runId,
      owner: runId,
      ttlMs,
      at: now,
      reads,
    });
    if (!begun.claimed) return undefined;
    const consumed: ConsumedInput[] = reads.slice(1).flatMap((ref) => {
      const pointer = begun.pointers.get(`${ref.assetKey}\u0000${ref.partition}`);
      return pointer ? [{ ...ref, dataVersion: pointer.dataVersion }] : [];
    });
    return { consumed, previous: begun.previous };
  };
  const commit = async (key: AssetKey, partition: PartitionKey, runId: RunId) => {
    const begun = await begin(key, partition, runId, 3_600_000);
    if (!begun) return "lease held elsewhere";
    const id = `m-${seed}-${ids++}` as MaterializationId;
    // An old code version now and then, so code_changed comes and goes.
    const codeVersion = (random() < 0.2 ? pick(variants) : graph).definition(key).codeVersion;
    const promote = key === MODEL && random() < 0.3;
    await store.partitions.commitMaterialization({
      id,
      runId,
      assetKey: key,
      partition,
      dataVersion: pick(["x", "y"]) as DataVersion,
      codeVersion,
      inputSignature: inputSignature(begun.consumed),
      location: `lake/${id}`,
      rows: 1,
      bytes: 1,
      metadata: {},
      inputs: begun.consumed,
      startedAt: now,
      committedAt: now,
    }, promote ? { moveAlias: { alias: "champion", reason: "test", movedBy: "test" } } : {});
    if (key === MODEL) models.push(id);
    return `commit ${key}@${partition}${promote ? " promoting it" : ""}`;
  };

  const operationsByWeight: [number, () => Promise<string>][] = [
    [6, () => {
      const key = pick(assets()).key;
      return commit(key, somePartition(key), pick(RUNS));
    }],
    [2, async () => {
      const key = pick(assets()).key;
      const partition = somePartition(key);
      const runId = pick(RUNS);
      if (!await begin(key, partition, runId, 3_600_000)) return "lease held elsewhere";
      await store.steps.finish(key, partition, runId, {
        attempt: { runId, status: "failed", at: now, error: "boom" },
      });
      return `fail ${key}@${partition}`;
    }],
    [2, async () => {
      const key = pick(assets()).key;
      const partition = somePartition(key);
      const runId = pick(RUNS);
      // Half the leases outlive the test's clock, half expire within an hour of it.
      const ttlMs = random() < 0.5 ? 30 * 60_000 : 100 * DAY_MS;
      const begun = await begin(key, partition, runId, ttlMs);
      if (!begun) return "lease held elsewhere";
      held.push({ key, partition, runId });
      return `start ${key}@${partition} for ${ttlMs} ms`;
    }],
    [2, async () => {
      const lease = held.splice(Math.floor(random() * held.length), 1)[0];
      if (!lease) return "no lease held";
      const how = random();
      if (how < 0.4) {
        await store.steps.finish(lease.key, lease.partition, lease.runId, {
          restore: undefined,
        });
        return `restore ${lease.key}@${lease.partition}`;
      }
      if (how < 0.7) {
        await store.leases.release(lease.key, lease.partition, lease.runId);
        return `release ${lease.key}@${lease.partition}, running mark left`;
      }
      return await commit(lease.key, lease.partition, lease.runId);
    }],
    [2, async () => {
      const versions = new Map<PartitionKey, DataVersion>();
      for (const partition of graph.get("src.events" as AssetKey).partitions.keys(now)) {
        if (random() < 0.4) versions.set(partition, pick(["o1", "o2"]) as DataVersion);
      }
      await store.partitions.recordObservation("src.events" as AssetKey, versions, {}, now);
      return `observe ${[...versions].join(" ")}`;
    }],
    [1, async () => {
      if (models.length === 0) return "no model to promote";
      const to = pick(models);
      await store.aliases.move({
        assetKey: MODEL,
        alias: "champion",
        to,
        reason: "test",
        movedBy: "test",
        at: now,
      });
      return `move champion to ${to}`;
    }],
    [3, () => {
      const ms = random() < 0.1 ? DAY_MS : Math.floor(random() * 120) * 60_000;
      now = new Date(now.getTime() + ms);
      return Promise.resolve(`clock +${ms / 60_000} min`);
    }],
    [1, () => {
      const variant = Math.floor(random() * variants.length);
      graph = variants[variant];
      return Promise.resolve(`graph version ${variant}`);
    }],
    [1, async () => {
      const runId = pick(RUNS);
      await store.leases.releaseRun(runId);
      held.splice(0, held.length, ...held.filter((h) => h.runId !== runId));
      return `release every lease of ${runId}`;
    }],
  ];
  const total = operationsByWeight.reduce((sum, [weight]) => sum + weight, 0);
  const history: string[] = [];
  for (let i = 0; i < operations; i++) {
    let roll = random() * total;
    const [, operation] = operationsByWeight.find(([weight]) => (roll -= weight) < 0)!;
    history.push(await operation());
    const what = `seed ${seed}, after operation ${i}: ${history.slice(-4).join("; ")}`;
    const cached = await loadStatusResolver(graph, store, now);
    const truth = await StatusResolver.loadUncached(graph, store, now);
    assert.deepStrictEqual(plainStates(cached.states), truth.states, `states differ (${what})`);
    // Ask for every status, some, or none, so later reads start from partial memos.
    const mode = random();
    const asked = mode < 0.5
      ? graph.order
      : mode < 0.8
      ? graph.order.filter(() => random() < 0.4)
      : [];
    assertSame(cached, truth, asked, what);
    // The other process, before readStatuses() stores this operation's change: begun anew (its
    // first load() starts from the persisted statuses and every packed state) or reading warm
    // over its previous load().
    const begun = random() < 0.3;
    if (begun) other = process();
    const second = await loadStatusResolver(graph, other, now);
    const how = `${begun ? "first load of a new process" : "other process"}, ${what}`;
    // First a few partitions one by one (packed states answer them without unpacking).
    for (const key of graph.order.filter(() => random() < 0.3)) {
      const partition = somePartition(key);
      assert.deepStrictEqual(second.state(key, partition), truth.state(key, partition), how);
    }
    assertSame(second, truth, asked, how);
    assert.deepStrictEqual(plainStates(second.states), truth.states, `states differ (${how})`);
    // As a new process reads them: persisted statuses brought up to date, stored again (not
    // every time, so the next reads start from statuses several operations old).
    if (random() < 0.6) {
      assertSame(await readStatuses(graph, store, now), truth, graph.order, `persisted, ${what}`);
    }
    if (random() < 0.2) older.push({ cached, truth, what });
    if (older.length > 0 && random() < 0.3) {
      const old = pick(older);
      assertSame(
        old.cached,
        old.truth,
        old.cached.graph.order,
        `older read (${old.what}) asked at ${i}`,
      );
    }
  }
}

function assertSame(
  cached: StatusSummaries,
  truth: StatusResolver,
  keys: readonly AssetKey[],
  what: string,
): void {
  for (const key of keys) {
    const summary = cached.asset(key);
    // A warm read's maps may be layers over an earlier read's (layered_map.ts), a persisted
    // one's runs (run_length_map.ts): compare entries.
    const plain = { ...summary, partitions: new Map(summary.partitions) };
    assert.deepStrictEqual(plain, truth.asset(key), `${key} differs (${what})`);
  }
}

/** The states with every asset's partitions in a plain Map, as an uncached read has them. */
function plainStates(states: StateIndex): StateIndex {
  return new Map([...states].map(([key, partitions]) => [key, new Map(partitions)]));
}

const SEEDS = Array.from({ length: 24 }, (_, i) => 1000 + i);

Deno.test("cached statuses equal uncached ones after random histories (PGlite, 8 seeds)", async () => {
  for (const seed of SEEDS.slice(0, 8)) {
    const store = await openMetadataStore({ embeddedDir: IN_MEMORY });
    try {
      await randomHistory(store, seed, 80);
    } finally {
      await store.close();
    }
  }
});

Deno.test({
  name: "cached statuses equal uncached ones after random histories (Postgres, 24 seeds)",
  ...needsPostgres(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    for (const seed of SEEDS) {
      const database = await createFreshDatabase();
      const store = await openMetadataStore({ databaseUrl: database.url });
      try {
        await randomHistory(store, seed, 80);
      } finally {
        await store.close();
        await database.drop();
      }
    }
  },
});
