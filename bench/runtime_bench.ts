// Runtime benchmarks on a real Postgres (started here unless BENCH_DATABASE_URL is set) and on
// embedded PGlite: (a) statuses of 1,000 assets x 365 daily partitions, cold and warm, (b) the
// orchestration overhead of a no-op partition materialization, (c) statuses of one asset with
// 100,000 partitions, and the chain: 200 no-op assets each depending on the one before,
// materialized in one run from a fresh store, beside Dagster's materialize() of the same chain
// in the same run (a venv under ~/.cache/sluice-bench/dagster). Medians of runs.
//
// deno task bench [statuses] [wide] [noop] [chain]   (no argument: all; wide: (c) alone)
// BENCH_RUNS, BENCH_CHAIN_RUNS
import postgres from "postgres";
import { type AnyAsset, defineAsset } from "../runtime/definitions/asset.ts";
import type { AssetKey } from "../runtime/definitions/asset_key.ts";
import type { Lake } from "../runtime/definitions/lake.ts";
import { AssetGraph } from "../runtime/graph/asset_graph.ts";
import { createLogger } from "../runtime/logger.ts";
import { materialize } from "../runtime/execution/materialize.ts";
import { isoDateFromEpochDay, parseIsoDate } from "../runtime/partitions/calendar.ts";
import { daily } from "../runtime/partitions/daily_partitions.ts";
import type { PartitionKey } from "../runtime/partitions/partition_key.ts";
import { readStatuses, type StatusSummaries } from "../runtime/staleness/status_reader.ts";
import { loadStatusResolver } from "../runtime/staleness/status_loading.ts";
import { type DataVersion, hashParts, inputSignature } from "../runtime/definitions/version.ts";
import { FsLake } from "../resources/lake/fs_lake.ts";
import { openMetadataStore } from "../resources/postgres/open_metadata_store.ts";
import { startPostgres } from "../tests/support/postgres_server.ts";
import { seededRandom } from "../tests/support/seeded_random.ts";
import type { MetadataStore, RunId } from "../runtime/store/metadata_store.ts";
import { ensureVenv } from "./python_venv.ts";

const RUNS = Number(Deno.env.get("BENCH_RUNS") ?? 5);
const CHAIN_RUNS = Number(Deno.env.get("BENCH_CHAIN_RUNS") ?? RUNS);
const CHAIN_LENGTH = 200;
const NOW = new Date("2026-11-22T12:00:00Z");
const SECTIONS = new Set(Deno.args.length > 0 ? Deno.args : ["statuses", "noop", "chain"]);
const DAGSTER_SCRIPT = new URL("./python/dagster_chain.py", import.meta.url).pathname;
const DAGSTER_REQUIREMENTS = new URL("./python/dagster_requirements.txt", import.meta.url)
  .pathname;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const fixed = (values: number[], digits: number) => values.map((v) => v.toFixed(digits)).join(", ");

/** The machine's load, printed with each section: the figures depend on it. */
function load(): string {
  return `load average ${Deno.loadavg().map((l) => l.toFixed(1)).join(" ")}`;
}

function syntheticGraph(assetCount: number, start: string, end: string): AnyAsset[] {
  const random = seededRandom(7);
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

/** A new database on the server, named uniquely (others may bench on it too), and its drop. */
async function freshDatabase(adminUrl: string, prefix: string) {
  const name = `${prefix}_${crypto.randomUUID().slice(0, 8)}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const drop = async () => {
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  };
  return { url: url.toString(), drop };
}

/** Loads statuses and computes every partition's; returns timings and the fresh count. */
async function timeAllStatuses(
  graph: () => AssetGraph,
  read: (graph: AssetGraph) => Promise<StatusSummaries>,
): Promise<{ total: number; load: number; fresh: number; graph: AssetGraph }> {
  const started = performance.now();
  const built = graph();
  const statuses = await read(built);
  const loaded = performance.now();
  let fresh = 0;
  for (const key of built.order) fresh += statuses.asset(key).counts.fresh;
  return { total: performance.now() - started, load: loaded - started, fresh, graph: built };
}

/**
 * Cold, as a new `deno task assets` process reads them: a store opened anew and the graph built,
 * then every status through readStatuses() from the statuses the read before persisted (the
 * first read, without any, computes and stores them). Cold for a full resolver: the same with
 * loadStatusResolver(), as materialize's plan reads them (a process's first load() starts from
 * the persisted statuses too, and reads every state packed). Warm: the same store and graph
 * asked again through loadStatusResolver(), as the UI and the daemon do. Then warm after one
 * partition of the first asset moved, a new process's read after that commit, and after a
 * second commit a new process's first loadStatusResolver().
 */
async function benchStatuses(adminUrl: string, label: string, assets: AnyAsset[], db: string) {
  const { url, drop } = await freshDatabase(adminUrl, db);
  await (await openMetadataStore({ databaseUrl: url })).close();
  const seeded = await seedStates(url, AssetGraph.build(assets), NOW);
  const check = (fresh: number, expected = seeded) => {
    if (fresh !== expected) throw new Error(`Expected ${expected} fresh partitions, got ${fresh}`);
  };
  /** A new store (so a new process-level cache) and graph, every status read by `read`. */
  const coldRun = async (
    read: (store: MetadataStore, graph: AssetGraph) => Promise<StatusSummaries>,
    expected = seeded,
  ) => {
    const store = await openMetadataStore({ databaseUrl: url });
    try {
      const run = await timeAllStatuses(() => AssetGraph.build(assets), (g) => read(store, g));
      check(run.fresh, expected);
      return run;
    } finally {
      await store.close();
    }
  };
  const persisted = (store: MetadataStore, g: AssetGraph) => readStatuses(g, store, NOW);
  const first = await coldRun(persisted);
  const cold: number[] = [];
  const coldLoads: number[] = [];
  const coldFull: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const run = await coldRun(persisted);
    cold.push(run.total);
    coldLoads.push(run.load);
    coldFull.push((await coldRun((store, g) => loadStatusResolver(g, store, NOW))).total);
  }
  const store = await openMetadataStore({ databaseUrl: url });
  const graph = AssetGraph.build(assets);
  const loadWarm = (g: AssetGraph) => loadStatusResolver(g, store, NOW);
  check((await timeAllStatuses(() => graph, loadWarm)).fresh);
  const warm: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const run = await timeAllStatuses(() => graph, loadWarm);
    check(run.fresh);
    warm.push(run.total);
  }
  const changed = await timeAfterOneCommit(graph, store, assets[0].key, "bench-change");
  const coldChanged = await coldRun(persisted, seeded - changed.stale);
  const afterChange = await coldRun(persisted, seeded - changed.stale);
  // The same data version again: what it reaches stays as stale as after the first commit.
  await timeAfterOneCommit(graph, store, assets[0].key, "bench-change-2");
  await store.close();
  const fullChanged = await coldRun(
    (store, g) => loadStatusResolver(g, store, NOW),
    seeded - changed.stale,
  );
  await drop();
  console.log(
    `${label}: ${seeded} partitions (${load()})\n` +
      `  cold (a new process's readStatuses(), persisted statuses valid): median ${
        median(cold).toFixed(0)
      } ms, of which reading the store ${median(coldLoads).toFixed(0)} ms (runs: ${
        fixed(cold, 0)
      })\n` +
      `  cold, the first read (no persisted statuses; computes and stores them): ${
        first.total.toFixed(0)
      } ms\n` +
      `  cold, full resolver (loadStatusResolver(), as materialize plans): median ${
        median(coldFull).toFixed(0)
      } ms (runs: ${fixed(coldFull, 0)})\n` +
      `  warm: median ${median(warm).toFixed(1)} ms (runs: ${fixed(warm, 1)})\n` +
      `  warm after one partition of ${assets[0].key} changed: ${changed.ms.toFixed(1)} ms ` +
      `(${changed.stale} partitions downstream of it stale)\n` +
      `  cold after that commit (recomputes what it reaches, stores them): ${
        coldChanged.total.toFixed(0)
      } ms; the next cold read: ${afterChange.total.toFixed(0)} ms\n` +
      `  cold full resolver after a second commit (recomputes what it reaches): ${
        fullChanged.total.toFixed(0)
      } ms`,
  );
  return { cold: median(cold), warm: median(warm) };
}

/** Commits a new version of one partition of `key`, then times every status. */
async function timeAfterOneCommit(
  graph: AssetGraph,
  store: MetadataStore,
  key: AssetKey,
  run: string,
) {
  const runId = run as RunId;
  const partition = graph.get(key).partitions.keys(NOW).at(-1)!;
  await store.runs.startRun({
    id: runId,
    command: "bench",
    selection: key,
    partitions: partition,
    host: "bench",
    pid: Deno.pid,
    startedAt: NOW,
  });
  const begun = await store.steps.begin({
    assetKey: key,
    partition,
    runId,
    owner: "bench",
    ttlMs: 60_000,
    at: NOW,
    reads: [{ assetKey: key, partition }],
  });
  if (!begun.claimed) throw new Error(`Cannot claim ${key}@${partition} for the bench`);
  await store.partitions.commitMaterialization({
    id: crypto.randomUUID() as never,
    runId,
    assetKey: key,
    partition,
    dataVersion: "changed" as DataVersion,
    codeVersion: graph.definition(key).codeVersion,
    inputSignature: inputSignature([]),
    location: "file:///bench/changed",
    rows: 1,
    bytes: 1,
    metadata: {},
    inputs: [],
    startedAt: NOW,
    committedAt: NOW,
  });
  const started = performance.now();
  const resolver = await loadStatusResolver(graph, store, NOW);
  let stale = 0;
  for (const asset of graph.order) stale += resolver.asset(asset).counts.stale;
  return { ms: performance.now() - started, stale };
}

// ---------------------------------------------------------------------------------------------
// Materializing: no-op partitions and the chain

/** A lake that adds up the time its calls take, to tell the lake's share of a step. */
class TimedLake implements Lake {
  ms = 0;
  constructor(private readonly lake: Lake) {}
  #timed<T>(work: Promise<T>): Promise<T> {
    const started = performance.now();
    return work.finally(() => this.ms += performance.now() - started);
  }
  allocate(key: AssetKey, partition: PartitionKey, id: string) {
    return this.#timed(this.lake.allocate(key, partition, id));
  }
  seal(location: Parameters<Lake["seal"]>[0]) {
    return this.#timed(this.lake.seal(location));
  }
  open(uri: string) {
    return this.#timed(this.lake.open(uri));
  }
  remove(uri: string) {
    return this.#timed(this.lake.remove(uri));
  }
  /** Not timed: the executor runs it beside the steps, and allocate() counts waiting for it. */
  prepare(partitions: Parameters<NonNullable<Lake["prepare"]>>[0]) {
    return this.lake.prepare?.(partitions) ?? Promise.resolve();
  }
}

type Backend = "pglite" | "postgres";

/** A fresh, migrated store of `backend`; close() also removes it. */
async function freshStore(backend: Backend, adminUrl: string, name: string) {
  if (backend === "postgres") {
    const { url, drop } = await freshDatabase(adminUrl, name);
    return { store: await openMetadataStore({ databaseUrl: url }), remove: drop };
  }
  const dir = await Deno.makeTempDir({ prefix: "sluice-bench-pg-" });
  return {
    store: await openMetadataStore({ embeddedDir: dir }),
    remove: () => Deno.remove(dir, { recursive: true }),
  };
}

/** One materialize() of `graph` in a fresh store and lake: ms per step and the lake's share. */
async function materializeFresh(
  backend: Backend,
  adminUrl: string,
  graph: AssetGraph,
  steps: number,
  force: boolean,
) {
  const { store, remove } = await freshStore(backend, adminUrl, "bench_materialize");
  const lakeRoot = await Deno.makeTempDir({ prefix: "sluice-bench-lake-" });
  const lake = new TimedLake(new FsLake({ root: lakeRoot }));
  try {
    const started = performance.now();
    // One step at a time: the chain is serial anyway, and (b) is the cost of one step.
    const outcome = await materialize({
      graph,
      store,
      lake,
      log: createLogger([]),
      force,
      concurrency: 1,
    });
    const ms = performance.now() - started;
    const succeeded = outcome.run?.steps.filter((s) => s.status === "succeeded").length;
    if (succeeded !== steps) {
      throw new Error(`Expected ${steps} steps to succeed, got ${succeeded}`);
    }
    return { perStep: ms / steps, lakePerStep: lake.ms / steps };
  } finally {
    await store.close();
    await remove();
    await Deno.remove(lakeRoot, { recursive: true });
  }
}

async function benchNoop(adminUrl: string, partitionCount: number) {
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
  for (const backend of ["pglite", "postgres"] as const) {
    const runs: { perStep: number; lakePerStep: number }[] = [];
    for (let i = 0; i < RUNS; i++) {
      runs.push(await materializeFresh(backend, adminUrl, graph, partitionCount, true));
    }
    const perStep = runs.map((r) => r.perStep);
    console.log(
      `(b) no-op materialization on ${backend}, ${partitionCount} partitions of one asset in one run from a fresh store: median ${
        median(perStep).toFixed(2)
      } ms per partition, of which the lake (allocate, fsync'd seal) ${
        median(runs.map((r) => r.lakePerStep)).toFixed(2)
      } ms (runs: ${fixed(perStep, 2)}; ${load()})`,
    );
  }
}

function chainGraph(length: number): AssetGraph {
  const chain: AnyAsset[] = [];
  for (let i = 0; i < length; i++) {
    chain.push(defineAsset({
      key: `chain.a${i}`,
      deps: i === 0 ? [] : [chain[i - 1]],
      codeVersion: "v1",
      materialize: () => Promise.resolve({ data: "" }),
    }));
  }
  return AssetGraph.build(chain);
}

/** Dagster's materialize() of the same chain in its own process: ms per asset. */
async function dagsterChain(
  python: string,
  storage: "sqlite" | "postgres",
  adminUrl: string,
): Promise<number> {
  const args = [DAGSTER_SCRIPT, storage, String(CHAIN_LENGTH)];
  const database = storage === "postgres"
    ? await freshDatabase(adminUrl, "bench_dagster")
    : undefined;
  if (database) args.push(database.url);
  const output = await new Deno.Command(python, { args, stdout: "piped", stderr: "piped" })
    .output();
  await database?.drop();
  const text = new TextDecoder();
  if (!output.success) {
    throw new Error(`Dagster's chain on ${storage} failed: ${text.decode(output.stderr)}`);
  }
  const lines = text.decode(output.stdout).trim().split("\n");
  return JSON.parse(lines.at(-1)!).ms_per_asset;
}

/** Each run: Sluice on PGlite, Dagster on SQLite, Sluice on Postgres, Dagster on Postgres. */
async function benchChain(adminUrl: string) {
  const python = await ensureVenv("dagster", DAGSTER_REQUIREMENTS);
  const graph = chainGraph(CHAIN_LENGTH);
  const sluice = { pglite: [] as number[], postgres: [] as number[] };
  const lake = { pglite: [] as number[], postgres: [] as number[] };
  const dagster = { sqlite: [] as number[], postgres: [] as number[] };
  console.log(
    `chain of ${CHAIN_LENGTH} no-op assets, each on the one before, one run from a fresh store (${load()})`,
  );
  for (let i = 0; i < CHAIN_RUNS; i++) {
    for (const backend of ["pglite", "postgres"] as const) {
      const run = await materializeFresh(backend, adminUrl, graph, CHAIN_LENGTH, false);
      sluice[backend].push(run.perStep);
      lake[backend].push(run.lakePerStep);
      const peer = backend === "pglite" ? "sqlite" : "postgres";
      dagster[peer].push(await dagsterChain(python, peer, adminUrl));
    }
    console.log(
      `  run ${i + 1}: Sluice PGlite ${sluice.pglite[i].toFixed(2)} ms/asset (lake ${
        lake.pglite[i].toFixed(2)
      }), Dagster SQLite ${dagster.sqlite[i].toFixed(1)}; Sluice Postgres ${
        sluice.postgres[i].toFixed(2)
      } (lake ${lake.postgres[i].toFixed(2)}), Dagster Postgres ${
        dagster.postgres[i].toFixed(1)
      } (${load()})`,
    );
  }
  for (const [backend, peer] of [["pglite", "sqlite"], ["postgres", "postgres"]] as const) {
    const ours = median(sluice[backend]);
    const theirs = median(dagster[peer]);
    console.log(
      `  median: Sluice on ${backend} ${
        ours.toFixed(2)
      } ms per asset (the lake's allocate and fsync'd seal ${
        median(lake[backend]).toFixed(2)
      } of it), Dagster 1.13 on ${peer} ${theirs.toFixed(1)} ms per asset: ${
        (theirs / ours).toFixed(0)
      }x`,
    );
  }
}

const given = Deno.env.get("BENCH_DATABASE_URL");
const server = given ? undefined : await startPostgres();
const adminUrl = given ?? server!.url;
try {
  console.log(
    `Sluice runtime benchmark: ${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}, ${RUNS} runs each, real Postgres (${load()})`,
  );
  if (SECTIONS.has("statuses")) {
    await benchStatuses(
      adminUrl,
      "(a) 1,000 assets x 365 daily partitions, load graph + every status",
      syntheticGraph(1000, "2025-01-01", "2025-12-31"),
      "bench_graph",
    );
  }
  // `wide` alone runs (c) without (a)'s minutes, to measure the large asset's reads.
  if (SECTIONS.has("statuses") || SECTIONS.has("wide")) {
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
  }
  if (SECTIONS.has("noop")) await benchNoop(adminUrl, 200);
  if (SECTIONS.has("chain")) await benchChain(adminUrl);
} finally {
  await server?.stop();
}
