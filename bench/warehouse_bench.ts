// The warehouse on a real Postgres: lands the reference day and builds it to gold once, then
// times `materialize group:warehouse,group:marts --force` (publish every gold table and the
// order-grain silver tables by COPY, then build every mart) in its own process, and measures
// COPY against multi-row INSERT on the day's silver.orders_enriched rows in the same run; then
// marts.fact_orders alone, a full rebuild against an incremental merge of the same day,
// alternating in the same run (issue 17 point 3).
//
// Usage: deno run -A bench/warehouse_bench.ts [--events N] [--runs R] [--day YYYY-MM-DD]
//   [--only fact_orders] [--home DIR --database-url URL]
// --only fact_orders times only the rebuild against the merge. --home and --database-url keep the
// day built to gold (and its warehouse) in DIR and that database, and reuse them on the next run
// with the same flags instead of landing and building the day again.
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { landBenchDay } from "./land_day.ts";
import { openPostgresClient } from "../resources/postgres/postgres_client.ts";
import { startPostgres } from "../tests/support/postgres_server.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const { values } = parseArgs({
  args: Deno.args,
  options: {
    events: { type: "string", default: "4320000" },
    runs: { type: "string", default: "3" },
    day: { type: "string", default: "2026-11-20" },
    only: { type: "string" },
    home: { type: "string" },
    "database-url": { type: "string" },
  },
});
if (values.only !== undefined && values.only !== "fact_orders") {
  throw new Error(`--only ${values.only}: expected --only fact_orders`);
}
if ((values.home === undefined) !== (values["database-url"] === undefined)) {
  throw new Error("--home and --database-url go together: the day's home and its database");
}
const events = Number(values.events);
const runs = Number(values.runs);
const day = values.day!;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function sluice(home: string, url: string, args: string[]) {
  const started = performance.now();
  const out = await new Deno.Command("/usr/bin/time", {
    args: ["-f", "%e %M", Deno.execPath(), "run", "-A", "--quiet", "sluice.ts", ...args],
    cwd: ROOT,
    env: { SLUICE_HOME: home, SLUICE_LOG_LEVEL: "warn", DATABASE_URL: url },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const wallMs = performance.now() - started;
  const stderr = new TextDecoder().decode(out.stderr).trim().split("\n");
  if (!out.success) {
    throw new Error(
      `sluice ${args.join(" ")} failed:\n${new TextDecoder().decode(out.stdout)}\n${
        stderr.join("\n")
      }`,
    );
  }
  const [, rssKiB] = stderr.at(-1)!.split(" ").map(Number);
  return { wallMs, peakRssMiB: rssKiB / 1024, stdout: new TextDecoder().decode(out.stdout) };
}

/** Each group's span (first start to last commit) in the newest run, from platform. */
async function groupSpans(sql: postgres.Sql): Promise<Record<string, number>> {
  const rows = await sql<{ grp: string; ms: number; rows: number }[]>`
    select split_part(asset_key, '.', 1) as grp,
           extract(epoch from max(committed_at) - min(started_at)) * 1000 as ms,
           sum(rows)::float8 as rows
    from platform.materializations
    where run_id = (select id from platform.runs order by started_at desc limit 1)
    group by 1`;
  return Object.fromEntries(rows.map((r) => [r.grp, Number(r.ms)]));
}

const kept = values.home !== undefined;
const server = kept ? undefined : await startPostgres();
const url = values["database-url"] ?? server!.url;
const home = values.home ?? await Deno.makeTempDir({ prefix: "sluice-bench-warehouse-" });
const sql = postgres(url, { max: 1, onnotice: () => {} });
try {
  console.log(
    `Sluice warehouse benchmark: ${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}, ` +
      `${events.toLocaleString("en-US")} events on ${day}, real Postgres, ${runs} runs`,
  );
  console.log(`load: ${await uptime()}`);
  await buildDayToGold(home, url);
  if (values.only === undefined) await groupRuns(home, url, sql);
  await rebuildVersusMerge(home, url, sql);
  console.log(`load: ${await uptime()}`);
} finally {
  await sql.end();
  await server?.stop();
  if (!kept) await Deno.remove(home, { recursive: true });
}

async function uptime(): Promise<string> {
  return (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
}

/** Lands the day and builds it to gold, unless a kept home already holds it. */
async function buildDayToGold(home: string, url: string) {
  const marker = `${home}/.bench-gold-${events}-${day}`;
  if (kept && await Deno.stat(marker).then(() => true, () => false)) {
    console.log(`landing → gold: reused from ${home}`);
    return;
  }
  landBenchDay(home, events, day);
  const toGold = await sluice(home, url, [
    "materialize",
    "--exclude",
    "group:warehouse,group:marts",
  ]);
  console.log(`landing → gold on Postgres metadata: ${(toGold.wallMs / 1000).toFixed(1)} s`);
  if (kept) await Deno.writeTextFile(marker, new Date().toISOString());
}

/** Publish every gold table and build every mart, `runs` times, then COPY against INSERT. */
async function groupRuns(home: string, url: string, sql: postgres.Sql) {
  const walls: number[] = [];
  const publish: number[] = [];
  const marts: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < runs; i++) {
    const run = await sluice(home, url, [
      "materialize",
      "group:warehouse,group:marts",
      "--force",
    ]);
    const spans = await groupSpans(sql);
    walls.push(run.wallMs);
    publish.push(spans.warehouse);
    marts.push(spans.marts);
    rss.push(run.peakRssMiB);
    console.log(
      `  run ${i + 1}: wall ${(run.wallMs / 1000).toFixed(2)} s, publish ${
        (spans.warehouse / 1000).toFixed(2)
      } s, marts ${(spans.marts / 1000).toFixed(2)} s, peak RSS ${run.peakRssMiB.toFixed(0)} MiB`,
    );
  }
  const [{ rows: published }] = await sql<{ rows: number }[]>`
    select sum(rows)::float8 as rows from platform.asset_partitions
    where asset_key like 'warehouse.%'`;
  console.log(
    `publish + marts: median wall ${(median(walls) / 1000).toFixed(2)} s (publish ${
      (median(publish) / 1000).toFixed(2)
    } s for ${published.toLocaleString("en-US")} rows, marts ${
      (median(marts) / 1000).toFixed(2)
    } s), peak RSS ${median(rss).toFixed(0)} MiB`,
  );

  await copyVersusInsert(url);
}

/**
 * The newest build of one asset: its step's duration (lease to commit, the commit's own work
 * included: the materialization's committed_at is its transaction's start), and how it was built.
 */
async function lastBuild(sql: postgres.Sql, key: string) {
  const [row] = await sql<{ ms: number; mode: string | null; rows: number }[]>`
    select s.duration_ms::float8 as ms, m.metadata->>'mode' as mode, m.rows::float8 as rows
    from platform.materializations m
    join platform.run_steps s on s.materialization_id = m.id::text
    where m.asset_key = ${key}
    order by m.committed_at desc limit 1`;
  return row;
}

/**
 * marts.fact_orders alone: `--full-refresh` (built from scratch and swapped in) against a merge of
 * the same day (its lookback covers the whole day), alternating, `runs` times each. The merge
 * runs on the table the rebuild just left, dead tuples and all, as it would after a rebuild.
 */
async function rebuildVersusMerge(home: string, url: string, sql: postgres.Sql) {
  const key = "marts.fact_orders";
  // The warehouse and the marts upstream of fact_orders, once, so both legs read the same inputs.
  await sluice(home, url, ["materialize", `+${key}`]);
  const rebuild: number[] = [];
  const merge: number[] = [];
  for (let i = 0; i < runs; i++) {
    for (const leg of ["rebuild", "merge"] as const) {
      const args = [
        "materialize",
        key,
        "--force",
        ...(leg === "rebuild" ? ["--full-refresh"] : []),
      ];
      const run = await sluice(home, url, args);
      const build = await lastBuild(sql, key);
      const expected = leg === "rebuild" ? "rebuild" : "merge";
      if (build.mode !== expected) {
        throw new Error(`${key} ${leg} leg was built as '${build.mode}', expected '${expected}'`);
      }
      (leg === "rebuild" ? rebuild : merge).push(build.ms);
      console.log(
        `  ${key} ${leg}: ${(build.ms / 1000).toFixed(2)} s (${
          build.rows.toLocaleString("en-US")
        } ` +
          `rows written; process wall ${(run.wallMs / 1000).toFixed(2)} s)`,
      );
    }
  }
  const [{ n }] = await sql<{ n: number }[]>`select count(*)::float8 as n from marts.fact_orders`;
  console.log(
    `${key} (${n.toLocaleString("en-US")} orders): full rebuild ${
      (median(rebuild) / 1000).toFixed(2)
    } s, merge of the same day ${(median(merge) / 1000).toFixed(2)} s, merge/rebuild ${
      (median(merge) / median(rebuild)).toFixed(2)
    } (target <= 0.33; medians of ${runs}, the asset's step from lease to commit)`,
  );
}

/**
 * The day's orders_enriched rows loaded by COPY and by 1,000-row INSERTs, alternately. The INSERT
 * leg streams rows from a cursor on a second connection and is timed only while its statements
 * run, so reading is not charged to it: the ratio favours INSERT, if anything.
 */
async function copyVersusInsert(url: string) {
  const client = await openPostgresClient(url);
  const raw = postgres(url, { max: 1, onnotice: () => {} });
  const reader = postgres(url, { max: 1, onnotice: () => {} });
  const dir = await Deno.makeTempDir({ prefix: "sluice-bench-copy-" });
  try {
    const csv = `${dir}/orders.csv`;
    await raw.unsafe(
      `create table bench_copy (like silver.orders_enriched including all);
       create table bench_insert (like silver.orders_enriched including all)`,
    );
    const columns = (await raw<{ column_name: string }[]>`
      select column_name from information_schema.columns
      where table_schema = 'silver' and table_name = 'orders_enriched'
      order by ordinal_position`).map((c) => c.column_name);
    const [{ n: total }] = await raw<{ n: number }[]>`
      select count(*)::int as n from silver.orders_enriched`;
    // The day's rows as COPY-ready CSV, on a connection of its own: in postgres.js a connection
    // that served COPY TO STDOUT does not serve later queries.
    const exporter = postgres(url, { max: 1, onnotice: () => {} });
    const stream = await exporter.unsafe(
      `copy (select * from silver.orders_enriched) to stdout with (format csv, header true)`,
    ).readable();
    const sink = await Deno.open(csv, { write: true, create: true, truncate: true });
    for await (const chunk of stream) await sink.write(chunk as Uint8Array);
    sink.close();
    await exporter.end({ timeout: 1 });
    console.log(`  exported ${total.toLocaleString("en-US")} rows to CSV`);
    const list = columns.map((c) => `"${c}"`).join(", ");
    const copyRates: number[] = [];
    const insertRates: number[] = [];
    for (let i = 0; i < runs; i++) {
      await raw.unsafe(`truncate bench_copy, bench_insert`);
      const started = performance.now();
      await client.transaction((tx) => tx.copyFromCsv("bench_copy", columns, csv));
      copyRates.push(total / ((performance.now() - started) / 1000));
      let insertMs = 0;
      await raw.begin(async (tx) => {
        const cursor = reader.unsafe(`select ${list} from silver.orders_enriched`).cursor(1000);
        for await (const batch of cursor) {
          const params: unknown[] = [];
          const tuples = batch.map((row) =>
            `(${
              columns.map((c) => `$${params.push((row as Record<string, unknown>)[c])}`).join(", ")
            })`
          );
          const at = performance.now();
          await tx.unsafe(
            `insert into bench_insert (${list}) values ${tuples.join(", ")}`,
            params as never[],
          );
          insertMs += performance.now() - at;
        }
      });
      insertRates.push(total / (insertMs / 1000));
      console.log(
        `  COPY ${Math.round(copyRates.at(-1)!).toLocaleString("en-US")} rows/s, INSERT ${
          Math.round(insertRates.at(-1)!).toLocaleString("en-US")
        } rows/s`,
      );
    }
    const copy = median(copyRates);
    const insert = median(insertRates);
    console.log(
      `COPY vs multi-row INSERT (1,000 rows per statement), ${total.toLocaleString("en-US")} ` +
        `silver.orders_enriched rows x ${columns.length} columns: COPY ${
          Math.round(copy).toLocaleString("en-US")
        } rows/s, INSERT ${Math.round(insert).toLocaleString("en-US")} rows/s, ratio ${
          (copy / insert).toFixed(1)
        }x (medians of ${runs})`,
    );
  } finally {
    await raw.end();
    await reader.end();
    await client.close();
    await Deno.remove(dir, { recursive: true });
  }
}
