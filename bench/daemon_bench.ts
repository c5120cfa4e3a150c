// The daemon on the running test services (source /work/tools/svc.env): three figures.
//
// 1. Kafka → gold freshness: `deno task ingest` and `deno task daemon` (the project's
//    schedules/: new-source-data sensor and eager bronze → gold) run while `generate --kafka
//    --target-rate R` produces today's events. For every order record, the time from its
//    produce time (the broker's LogAppendTime) to the commit of the first gold.revenue_daily
//    partition whose lineage contains it: gold → silver.orders_enriched → staging.orders →
//    bronze.orders, whose part-set appends record the Kafka offsets they hold. p50 and p95.
// 2. Tick → run start: daemons running a schedule that ticks every second; from each tick to
//    the claim of its request and to the start of its run (one daemon, then three).
// 3. Run claims per second with three daemons draining a queue of no-op requests (claim + run),
//    and the claim statement alone from three connections (a peer figure in the same run).
//
// Usage: deno run -A bench/daemon_bench.ts [--rates 50,5000] [--seconds 60] [--runs 3]
//        [--ticks 60] [--claims 1500] [--skip-kafka] [--skip-ticks] [--skip-claims]
import { parseArgs } from "node:util";
import type { DaemonId } from "../runtime/store/metadata_store.ts";
import { openMetadataStore } from "../resources/postgres/open_metadata_store.ts";
import { ROOT } from "../tests/support/deno_script.ts";
import {
  bronzeCoverage,
  covers,
  deletePrefixedTopics,
  firstHolding,
  goldCoverage,
  readOrders,
} from "../tests/support/order_lineage.ts";
import { createFreshDatabase, requireTestVariable } from "../tests/support/services.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rates: { type: "string", default: "50,5000" },
    seconds: { type: "string", default: "60" },
    ticks: { type: "string", default: "60" },
    claims: { type: "string", default: "1500" },
    "skip-kafka": { type: "boolean", default: false },
    "skip-ticks": { type: "boolean", default: false },
    "skip-claims": { type: "boolean", default: false },
    runs: { type: "string", default: "3" },
  },
});

const BENCH_APP = "bench/daemon/bench_app.ts";
const databaseUrl = requireTestVariable("SLUICE_TEST_DATABASE_URL");
const brokers = requireTestVariable("SLUICE_TEST_KAFKA_BROKERS");

const median = (xs: readonly number[]) => quantile(xs, 0.5);
const quantile = (xs: readonly number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
};
const ms = (n: number) => `${Math.round(n).toLocaleString("en-US")} ms`;
const sleep = (n: number) => new Promise((resolve) => setTimeout(resolve, n));

function baseEnv(extra: Record<string, string>): Record<string, string> {
  const env = { ...Deno.env.toObject() };
  for (const name of ["DATABASE_URL", "KAFKA_BROKERS", "KAFKA_TOPIC_PREFIX", "SLUICE_LAKE"]) {
    delete env[name];
  }
  return { ...env, SLUICE_LOG_LEVEL: "warn", SLUICE_DAEMON_PORT: "0", ...extra };
}

interface Process {
  readonly child: Deno.ChildProcess;
  readonly stderr: Promise<string>;
}

function spawn(script: string, args: string[], env: Record<string, string>): Process {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", script, ...args],
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  return { child, stderr: new Response(child.stderr).text() };
}

async function stop(process: Process): Promise<string> {
  try {
    process.child.kill("SIGTERM");
  } catch {
    // already gone
  }
  const timer = setTimeout(() => {
    try {
      process.child.kill("SIGKILL");
    } catch { /* gone */ }
  }, 60_000);
  await process.child.status;
  clearTimeout(timer);
  return await process.stderr;
}

async function waitFor(what: string, timeoutMs: number, probe: () => Promise<boolean>) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms: ${what}`);
    await sleep(200);
  }
}

console.log(
  `Sluice daemon benchmark: ${navigator.hardwareConcurrency} cores (shared with other work), ` +
    `Deno ${Deno.version.deno}, the running test Postgres and Kafka (KRaft, one node) on loopback`,
);

// ---- 1. Kafka → gold freshness ------------------------------------------------------------

/** `generate --kafka` with these flags, to completion. */
async function runGenerator(env: Record<string, string>, flags: string[]) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", "sluice.ts", "generate", "--kafka", ...flags],
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  return { success: output.success, stderr: new TextDecoder().decode(output.stderr) };
}

interface Freshness {
  readonly p50: number;
  readonly p95: number;
}

async function kafkaFreshness(rate: number, seconds: number): Promise<Freshness> {
  const database = await createFreshDatabase(databaseUrl);
  const home = await Deno.makeTempDir({ prefix: "sluice-bench-daemon-" });
  const prefix = `bench${crypto.randomUUID().slice(0, 6)}.`;
  const day = new Date().toISOString().slice(0, 10);
  const env = baseEnv({
    DATABASE_URL: database.url,
    SLUICE_HOME: home,
    KAFKA_BROKERS: brokers,
    KAFKA_TOPIC_PREFIX: prefix,
    SLUICE_AUTOMATION_INTERVAL_MS: "1000",
  });
  const store = await openMetadataStore({ databaseUrl: database.url });
  const ingest = spawn("sluice.ts", ["ingest"], env);
  const daemon = spawn("sluice.ts", ["daemon"], env);
  try {
    await waitFor("the daemon", 180_000, async () => (await store.queue.liveDaemons()).length > 0);
    await sleep(5_000); // the ingester joins its group; the seeds run
    // Warm-up (not measured): a burst that gives every topic records of the day, so the
    // measured stream meets a day under way, as in steady operation, not its first seconds.
    const warm = await runGenerator(env, ["--events", "3000", "--seed", "7", "--start", day]);
    if (!warm.success) throw new Error(`generate (warm-up) failed: ${warm.stderr}`);
    const warmOrders = await readOrders(brokers.split(","), prefix, 0);
    await waitFor(
      "gold to contain the warm-up",
      600_000,
      async () => covers(await goldCoverage(store, day), warmOrders),
    );
    const events = rate * seconds;
    const batch = Math.max(10, Math.round(rate / 5));
    const measuredFrom = Date.now();
    const began = performance.now();
    const measured = await runGenerator(env, [
      "--target-rate",
      String(rate),
      "--events",
      String(events),
      "--batch-size",
      String(batch),
      "--start",
      day,
    ]);
    if (!measured.success) throw new Error(`generate failed: ${measured.stderr}`);
    const produceSeconds = (performance.now() - began) / 1000;
    const orders = await readOrders(brokers.split(","), prefix, measuredFrom);
    await waitFor(
      "gold to contain every order",
      600_000,
      async () => covers(await goldCoverage(store, day), orders),
    );
    const coverage = (await goldCoverage(store, day)).filter((c) => c.committedAt >= measuredFrom);
    const latencies = orders.map((record) => firstHolding(coverage, record) - record.at);
    // The ingester's share: from the produce time to the bronze append that holds the record.
    const bronze = await bronzeCoverage(store, day);
    const ingestLatencies = orders.map((record) => firstHolding(bronze, record) - record.at);
    const runs = (await store.queue.list({ limit: 10_000 }))
      .filter((r) => r.createdAt.getTime() >= measuredFrom);
    const result = { p50: quantile(latencies, 0.5), p95: quantile(latencies, 0.95) };
    // Where the time went: the runs of the medallion lane and of the warehouse lane.
    const durations = (lane: typeof runs) =>
      lane.filter((r) => r.claimedAt && r.finishedAt)
        .map((r) => (r.finishedAt!.getTime() - r.claimedAt!.getTime()) / 1000);
    const medallion = durations(runs.filter((r) => !("warehouse" in r.tags)));
    const warehouse = durations(runs.filter((r) => "warehouse" in r.tags));
    console.log(
      `    runs: medallion ${medallion.length} (median ${median(medallion).toFixed(1)} s, ` +
        `max ${Math.max(0, ...medallion).toFixed(1)} s), warehouse lane ${warehouse.length} ` +
        `(median ${median(warehouse).toFixed(1)} s, max ${Math.max(0, ...warehouse).toFixed(1)} s)`,
    );
    console.log(
      `  ${rate} events/s: ${events} events in ${produceSeconds.toFixed(1)} s, ` +
        `${orders.length} orders, ${coverage.length} gold.revenue_daily commits, ` +
        `${runs.length} requests (${runs.filter((r) => r.status === "failed").length} failed): ` +
        `produce → first fresh gold partition containing it p50 ${ms(result.p50)}, ` +
        `p95 ${ms(result.p95)}, max ${ms(Math.max(...latencies))}; of which produce → bronze ` +
        `(the ingester) p50 ${ms(quantile(ingestLatencies, 0.5))}, ` +
        `p95 ${ms(quantile(ingestLatencies, 0.95))}`,
    );
    return result;
  } finally {
    const errors = [await stop(daemon), await stop(ingest)].join("\n").split("\n")
      .filter((line) => / error |^error|Error:/.test(line));
    if (errors.length > 0) console.log(`    (errors) ${errors.slice(-5).join("\n    ")}`);
    await store.close();
    await database.drop();
    await Deno.remove(home, { recursive: true });
    await deletePrefixedTopics(brokers.split(","), prefix);
  }
}

// ---- 2. Tick → run start ------------------------------------------------------------------

async function tickLatency(daemons: number, ticks: number): Promise<void> {
  const database = await createFreshDatabase(databaseUrl);
  const home = await Deno.makeTempDir({ prefix: "sluice-bench-ticks-" });
  const env = baseEnv({ DATABASE_URL: database.url, SLUICE_HOME: home, TICK_SCHEDULE: "1" });
  const store = await openMetadataStore({ databaseUrl: database.url });
  const processes = Array.from({ length: daemons }, () => spawn(BENCH_APP, ["daemon"], env));
  try {
    await waitFor(
      "the daemons",
      60_000,
      async () => (await store.queue.liveDaemons()).length === daemons,
    );
    await sleep(ticks * 1000);
  } finally {
    for (const process of processes) await stop(process);
  }
  const requests = (await store.queue.list({ origin: "schedule", limit: 100_000 }))
    .filter((r) => r.dueAt && r.claimedAt && r.runId);
  const ticksRecorded = await store.automation.listTicks("every_second", 100_000);
  const toClaim = requests.map((r) => r.claimedAt!.getTime() - r.dueAt!.getTime());
  const toRun: number[] = [];
  for (const request of requests) {
    const run = await store.runs.getRun(request.runId!);
    if (run) toRun.push(run.startedAt.getTime() - request.dueAt!.getTime());
  }
  const byDaemon = new Set(ticksRecorded.map((t) => t.daemonId as DaemonId)).size;
  console.log(
    `\nTick → run start, ${daemons} daemon(s), a schedule ticking every second for ${ticks} s: ` +
      `${ticksRecorded.length} ticks recorded (each once: ${
        new Set(ticksRecorded.map((t) => t.tickAt.getTime())).size === ticksRecorded.length
      }) by ${byDaemon} daemon(s), ${requests.length} runs`,
  );
  console.log(
    `  tick → claim p50 ${ms(quantile(toClaim, 0.5))}, p95 ${ms(quantile(toClaim, 0.95))}; ` +
      `tick → run start p50 ${ms(quantile(toRun, 0.5))}, p95 ${ms(quantile(toRun, 0.95))}`,
  );
  await store.close();
  await database.drop();
  await Deno.remove(home, { recursive: true });
}

// ---- 3. Claims per second -----------------------------------------------------------------

async function claimsPerSecond(
  count: number,
): Promise<{ withRuns: number; claimOnly: number }> {
  let withRuns = 0;
  // Claims with runs: three daemon processes drain the queue of no-op requests.
  {
    const database = await createFreshDatabase(databaseUrl);
    const home = await Deno.makeTempDir({ prefix: "sluice-bench-claims-" });
    const env = baseEnv({
      DATABASE_URL: database.url,
      SLUICE_HOME: home,
      SLUICE_DAEMON_MAX_RUNS: "4",
    });
    const store = await openMetadataStore({ databaseUrl: database.url });
    await store.queue.enqueue(
      Array.from({ length: count }, () => ({
        kind: "materialize" as const,
        selection: "bench.noop",
        tags: {},
        origin: "cli" as const,
      })),
    );
    const processes = [1, 2, 3].map(() => spawn(BENCH_APP, ["daemon"], env));
    try {
      await waitFor("the queue to drain", 900_000, async () => {
        const depth = await store.queue.depth();
        return depth.queued === 0 && depth.running === 0;
      });
    } finally {
      for (const process of processes) await stop(process);
    }
    const requests = await store.queue.list({ limit: count + 10 });
    const claimed = requests.map((r) => r.claimedAt!.getTime()).sort((a, b) => a - b);
    const span = (claimed.at(-1)! - claimed[0]) / 1000;
    withRuns = count / span;
    const byDaemon = new Map<string, number>();
    for (const r of requests) byDaemon.set(r.daemonId!, (byDaemon.get(r.daemonId!) ?? 0) + 1);
    console.log(
      `\nRun claims with three daemons (4 runs each at once), ${count} no-op requests: ` +
        `${(count / span).toFixed(0)} claims/s (claim + run + record), every request once: ${
          requests.every((r) => r.claims === 1 && r.status === "succeeded")
        }; per daemon ${[...byDaemon.values()].join(" / ")}`,
    );
    await store.close();
    await database.drop();
    await Deno.remove(home, { recursive: true });
  }
  // The claim statement alone, three connections claiming at once (no run executed).
  let claimOnly = 0;
  {
    const database = await createFreshDatabase(databaseUrl);
    const stores = await Promise.all(
      [1, 2, 3].map(() => openMetadataStore({ databaseUrl: database.url })),
    );
    await stores[0].queue.enqueue(
      Array.from({ length: count }, () => ({
        kind: "materialize" as const,
        selection: "bench.noop",
        tags: {},
        origin: "cli" as const,
      })),
    );
    const began = performance.now();
    const claimedBy = await Promise.all(stores.map(async (store, i) => {
      const id = `bench-${i}` as DaemonId;
      await store.queue.registerDaemon({
        id,
        host: "bench",
        pid: i,
        processStart: undefined,
        processScope: undefined,
        ttlMs: 60_000,
        maxRuns: 1,
      });
      let n = 0;
      while (await store.queue.claim(id, [])) n++;
      return n;
    }));
    const seconds = (performance.now() - began) / 1000;
    claimOnly = count / seconds;
    console.log(
      `  the claim alone (FOR UPDATE SKIP LOCKED), three connections: ${
        (count / seconds).toFixed(0)
      } claims/s; per claimer ${claimedBy.join(" / ")}`,
    );
    for (const store of stores) await store.close();
    await database.drop();
  }
  return { withRuns, claimOnly };
}

const runs = Number(values.runs);
if (!values["skip-kafka"]) {
  for (const rate of values.rates!.split(",").map(Number)) {
    console.log(
      `\nKafka → gold at ${rate.toLocaleString("en-US")} events/s (ingest + daemon running), ` +
        `${runs} run(s) of ${values.seconds} s:`,
    );
    const results: Freshness[] = [];
    for (let run = 0; run < runs; run++) {
      try {
        results.push(await kafkaFreshness(rate, Number(values.seconds)));
      } catch (error) {
        // A shared machine can stall a process past a deadline: say so, and go on.
        console.log(`  run ${run + 1} did not complete: ${(error as Error).message}`);
      }
    }
    console.log(
      `  median of ${results.length}: p50 ${ms(median(results.map((r) => r.p50)))}, ` +
        `p95 ${ms(median(results.map((r) => r.p95)))}`,
    );
  }
}
if (!values["skip-ticks"]) {
  await tickLatency(1, Number(values.ticks));
  await tickLatency(3, Number(values.ticks));
}
if (!values["skip-claims"]) {
  const withRuns: number[] = [];
  const claimOnly: number[] = [];
  for (let run = 0; run < runs; run++) {
    const figures = await claimsPerSecond(Number(values.claims));
    withRuns.push(figures.withRuns);
    claimOnly.push(figures.claimOnly);
  }
  console.log(
    `  median of ${runs}: ${median(withRuns).toFixed(0)} claims/s with runs, ` +
      `${median(claimOnly).toFixed(0)} claims/s for the claim alone`,
  );
}
