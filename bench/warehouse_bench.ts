// The warehouse on a real Postgres: lands the reference day and builds it to gold once, then
// times `materialize group:warehouse,group:marts --force` (publish every gold table and the
// order-grain silver tables by COPY, then build every mart) in its own process, and measures
// COPY against multi-row INSERT on the day's silver.orders_enriched rows in the same run.
//
// Usage: deno run -A bench/warehouse_bench.ts [--events N] [--runs R] [--day YYYY-MM-DD]
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
  },
});
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

const server = await startPostgres();
const home = await Deno.makeTempDir({ prefix: "sluice-bench-warehouse-" });
const sql = postgres(server.url, { max: 1, onnotice: () => {} });
try {
  console.log(
    `Sluice warehouse benchmark: ${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}, ` +
      `${events.toLocaleString("en-US")} events on ${day}, real Postgres, ${runs} runs`,
  );
  landBenchDay(home, events, day);
  const toGold = await sluice(home, server.url, [
    "materialize",
    "--exclude",
    "group:warehouse,group:marts",
  ]);
  console.log(`landing → gold on Postgres metadata: ${(toGold.wallMs / 1000).toFixed(1)} s`);

  const walls: number[] = [];
  const publish: number[] = [];
  const marts: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < runs; i++) {
    const run = await sluice(home, server.url, [
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

  await copyVersusInsert(server.url);
} finally {
  await sql.end();
  await server.stop();
  await Deno.remove(home, { recursive: true });
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
