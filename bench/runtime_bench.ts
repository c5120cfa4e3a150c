// Runtime benchmarks on a real Postgres (started here unless BENCH_DATABASE_URL is set):
// (a) statuses of 1,000 assets x 365 daily partitions, (b) orchestration overhead of a no-op
// partition materialization, (c) statuses of one asset with 100,000 partitions. Medians of runs.
import postgres from "postgres";
import { type AnyAsset, defineAsset } from "../runtime/definitions/asset.ts";
import { AssetGraph } from "../runtime/graph/asset_graph.ts";
import { createLogger } from "../runtime/logger.ts";
import { materialize } from "../runtime/execution/materialize.ts";
import { isoDateFromEpochDay, parseIsoDate } from "../runtime/partitions/calendar.ts";
import { daily } from "../runtime/partitions/daily_partitions.ts";
import { StatusResolver } from "../runtime/staleness/status_resolver.ts";
import { type DataVersion, hashParts, inputSignature } from "../runtime/definitions/version.ts";
import { FsLake } from "../resources/lake/fs_lake.ts";
import { openMetadataStore } from "../resources/postgres/open_metadata_store.ts";
import { startPostgres } from "../tests/support/postgres_server.ts";
import type { MetadataStore } from "../runtime/store/metadata_store.ts";

const RUNS = Number(Deno.env.get("BENCH_RUNS") ?? 5);
const NOW = new Date("2026-11-22T12:00:00Z");

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A seeded random number generator (mulberry32), so every run builds the same graph. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function syntheticGraph(assetCount: number, start: string, end: string): AnyAsset[] {
  const random = seeded(7);
  const partitions = daily({ start, end });
  const assets: AnyAsset[] = [];
  for (let i = 0; i < assetCount; i++) {
    const deps = new Set<AnyAsset>();
    const fanIn = i === 0 ? 0 : 1 + Math.floor(random() * 2);
    for (let d = 0; d < fanIn; d++) deps.add(assets[Math.floor(random() * i)]);
    assets.push(defineAsset({
      key: `bench.asset_${i}`,
      deps: [...deps],
      partitions,
      codeVersion: `v${i}`,
      materialize: () => Promise.resolve({ data: "" }),
    }));
  }
  return assets;
}

/** Writes a fresh, consistent pointer for every partition straight into platform.asset_partitions. */
async function seedStates(url: string, graph: AssetGraph, now: Date): Promise<number> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const versions = new Map<string, DataVersion>();
  let rows: Record<string, unknown>[] = [];
  let total = 0;
  const flush = async () => {
    if (rows.length === 0) return;
    await sql`insert into platform.asset_partitions ${sql(rows)}`;
    total += rows.length;
    rows = [];
  };
  for (const key of graph.order) {
    const asset = graph.definition(key);
    for (const partition of asset.partitions.keys(now)) {
      const inputs = graph.upstreamEdges(key).flatMap((edge) =>
        edge.mapping.upstreamKeys(
          partition,
          asset.partitions,
          graph.get(edge.upstream).partitions,
          now,
        )
          .map((p) => ({
            assetKey: edge.upstream,
            partition: p,
            dataVersion: versions.get(`${edge.upstream}@${p}`)!,
          }))
      );
      const version = hashParts([key, partition]) as DataVersion;
      versions.set(`${key}@${partition}`, version);
      rows.push({
        asset_key: key,
        partition_key: partition,
        data_version: version,
        code_version: asset.codeVersion,
        input_signature: inputSignature(inputs),
        location: `file:///bench/${key}/${partition}`,
        rows: 1,
        current_at: now,
        last_run_id: "seed",
        last_status: "succeeded",
        last_at: now,
      });
      if (rows.length >= 4_000) await flush();
    }
  }
  await flush();
  // Autovacuum analyzes a table that grew this much within a minute; this seed took seconds.
  // Without statistics the planner hashes 1,000 groups it believes are 200 and spills to disk.
  await sql`analyze platform.asset_partitions`;
  await sql.end();
  return total;
}

async function freshDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Loads the graph and computes the status of every partition; returns timings and the fresh count. */
async function timeAllStatuses(
  assets: AnyAsset[],
  store: MetadataStore,
): Promise<{ total: number; load: number; fresh: number }> {
  const started = performance.now();
  const graph = AssetGraph.build(assets);
  const resolver = await StatusResolver.load(graph, store, NOW);
  const loaded = performance.now();
  let fresh = 0;
  for (const key of graph.order) fresh += resolver.asset(key).counts.fresh;
  return { total: performance.now() - started, load: loaded - started, fresh };
}

async function benchStatuses(adminUrl: string, label: string, assets: AnyAsset[], db: string) {
  const url = await freshDatabase(adminUrl, db);
  const store = await openMetadataStore({ databaseUrl: url });
  const seeded = await seedStates(url, AssetGraph.build(assets), NOW);
  const times: number[] = [];
  const loads: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const { total, load, fresh } = await timeAllStatuses(assets, store);
    if (fresh !== seeded) throw new Error(`Expected ${seeded} fresh partitions, got ${fresh}`);
    times.push(total);
    loads.push(load);
  }
  await store.close();
  console.log(
    `${label}: ${seeded} partitions, median ${
      median(times).toFixed(0)
    } ms, of which reading the store ${median(loads).toFixed(0)} ms (runs: ${
      times.map((t) => t.toFixed(0)).join(", ")
    })`,
  );
  return median(times);
}

async function benchNoop(adminUrl: string, partitionCount: number) {
  const url = await freshDatabase(adminUrl, "bench_noop");
  const store = await openMetadataStore({ databaseUrl: url });
  const lakeRoot = await Deno.makeTempDir({ prefix: "sluice-bench-lake-" });
  const first = parseIsoDate("2026-01-01")!;
  const noop = defineAsset({
    key: "bench.noop",
    partitions: daily({
      start: "2026-01-01",
      end: isoDateFromEpochDay(first + partitionCount - 1),
    }),
    retry: { maxAttempts: 1 },
    materialize: () => Promise.resolve({ data: "" }),
  });
  const graph = AssetGraph.build([noop]);
  const perPartition: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const outcome = await materialize({
      graph,
      store,
      lake: new FsLake({ root: lakeRoot }),
      log: createLogger([]),
      force: true,
      concurrency: 1,
    });
    const ms = performance.now() - started;
    if (outcome.run?.status !== "succeeded") throw new Error("The no-op run failed");
    perPartition.push(ms / partitionCount);
  }
  await store.close();
  await Deno.remove(lakeRoot, { recursive: true });
  console.log(
    `(b) no-op materialization, ${partitionCount} partitions per run, concurrency 1: median ${
      median(perPartition).toFixed(2)
    } ms per partition (runs: ${perPartition.map((t) => t.toFixed(2)).join(", ")})`,
  );
  return median(perPartition);
}

const given = Deno.env.get("BENCH_DATABASE_URL");
const server = given ? undefined : await startPostgres();
const adminUrl = given ?? server!.url;
try {
  console.log(
    `Sluice runtime benchmark: ${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}, ${RUNS} runs each, real Postgres`,
  );
  await benchStatuses(
    adminUrl,
    "(a) 1,000 assets x 365 daily partitions, load graph + every status",
    syntheticGraph(1000, "2025-01-01", "2025-12-31"),
    "bench_graph",
  );
  await benchNoop(adminUrl, 200);
  const hundredK = daily({
    start: "1750-01-01",
    end: isoDateFromEpochDay(parseIsoDate("1750-01-01")! + 99_999),
  });
  await benchStatuses(adminUrl, "(c) one asset x 100,000 daily partitions, every status", [
    defineAsset({
      key: "bench.wide",
      partitions: hundredK,
      codeVersion: "v",
      materialize: () => Promise.resolve({ data: "" }),
    }),
  ], "bench_wide");
} finally {
  await server?.stop();
}
