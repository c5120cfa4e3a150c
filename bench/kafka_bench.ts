// Kafka and S3 on this machine, with real servers started as the tests start them: the
// generator's produce rate (`generate --kafka`), the sustained Kafka → bronze rate of
// `deno task ingest` draining the produced backlog, and `deno task materialize` of one landed day
// with the lake on the filesystem against the lake on MinIO. Medians of several runs; the two
// lakes alternate within each run so they see the same machine state.
//
// Usage: deno run -A bench/kafka_bench.ts [--events N] [--day-events N] [--runs R] [--skip-lakes]
import { parseArgs } from "node:util";
import postgres from "postgres";
import { runScript } from "../tests/support/deno_script.ts";
import { startKafka } from "../tests/support/kafka_server.ts";
import { startPostgres } from "../tests/support/postgres_server.ts";
import { startS3 } from "../tests/support/s3_server.ts";
import { landBenchDay } from "./land_day.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    events: { type: "string", default: "1000000" },
    "day-events": { type: "string", default: "4320000" },
    runs: { type: "string", default: "3" },
    // The Kafka half alone (the lake comparison takes most of the time).
    "skip-lakes": { type: "boolean", default: false },
  },
});
const events = Number(values.events);
const dayEvents = Number(values["day-events"]);
const runs = Number(values.runs);
const DAY = "2026-11-20";

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

async function sluice(script: string, args: string[], env: Record<string, string>) {
  const result = await runScript(script, args, env);
  if (result.code !== 0) {
    throw new Error(`${script} ${args.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

console.log(
  `Sluice Kafka/S3 benchmark: ${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}, ` +
    `Kafka 3.9.1 (KRaft, one node), MinIO, Postgres on loopback; ${runs} runs`,
);
const [pg, kafka, s3] = await Promise.all([startPostgres(), startKafka(), startS3()]);
try {
  const admin = postgres(pg.url, { max: 1, onnotice: () => {} });
  const produceRates: number[] = [];
  const ingestRates: number[] = [];
  const commitSpanRates: number[] = [];
  for (let run = 1; run <= runs; run++) {
    const database = `bench_kafka_${run}_${crypto.randomUUID().slice(0, 6)}`;
    await admin.unsafe(`create database ${database}`);
    const home = await Deno.makeTempDir({ prefix: "sluice-bench-kafka-" });
    try {
      const url = new URL(pg.url);
      url.pathname = `/${database}`;
      const env = {
        KAFKA_BROKERS: kafka.brokers,
        KAFKA_TOPIC_PREFIX: `bench${run}.`,
        DATABASE_URL: url.toString(),
        SLUICE_HOME: home,
        SLUICE_LAKE: `${home}/lake`,
        SLUICE_LOG_LEVEL: "error",
      };
      const produced = await sluice("sluice.ts", [
        "generate",
        "--kafka",
        "--events",
        String(events),
        "--start",
        DAY,
        "--batch-size",
        "20000",
      ], env);
      const produceRate = Number(
        produced.stdout.match(/\(([\d,]+) events\/s\)/)![1].replaceAll(",", ""),
      );
      const ingested = await sluice("sluice.ts", ["ingest", "--until-caught-up"], env);
      const ingestRate = events / (ingested.ms / 1000);
      const db = postgres(env.DATABASE_URL, { max: 1, onnotice: () => {} });
      const [span] = await db<{ ms: number; n: number }[]>`
        select (extract(epoch from max(committed_at) - min(committed_at)) * 1000)::float8 as ms,
          sum(rows + rejected)::int as n from ingest.kafka_segments`;
      // Bronze itself, through its pointers: the valid records of every part set.
      const [bronze] = await db<{ rows: number; valid: number }[]>`
        select (select coalesce(sum(rows), 0)::int from platform.asset_partitions
                where asset_key like 'bronze.%') as rows,
               (select coalesce(sum(rows), 0)::int from ingest.kafka_segments) as valid`;
      await db.end();
      if (span.n !== events) throw new Error(`bronze holds ${span.n} records, not ${events}`);
      if (bronze.rows !== bronze.valid) {
        throw new Error(`bronze's pointers hold ${bronze.rows} rows, its segments ${bronze.valid}`);
      }
      produceRates.push(produceRate);
      ingestRates.push(ingestRate);
      commitSpanRates.push(events / (span.ms / 1000));
      console.log(
        `  run ${run}: produce ${fmt(produceRate)} events/s; ingest ${fmt(ingestRate)} records/s ` +
          `(whole process, ${(ingested.ms / 1000).toFixed(1)} s), ${
            fmt(events / (span.ms / 1000))
          } records/s first to last commit`,
      );
    } finally {
      await Deno.remove(home, { recursive: true });
      await admin.unsafe(`drop database ${database} with (force)`);
    }
  }
  console.log(
    `${fmt(events)} events: generate --kafka median ${fmt(median(produceRates))} events/s; ` +
      `Kafka → bronze median ${fmt(median(ingestRates))} records/s (process wall), ${
        fmt(median(commitSpanRates))
      } records/s (first to last commit)`,
  );

  // The lake: one landed day materialized with the lake on disk and on MinIO, alternately.
  const fsMs: number[] = [];
  const s3Ms: number[] = [];
  for (let run = 1; run <= (values["skip-lakes"] ? 0 : runs); run++) {
    for (const lake of ["fs", "s3"] as const) {
      const home = await Deno.makeTempDir({ prefix: "sluice-bench-lake-" });
      try {
        landBenchDay(home, dayEvents, DAY);
        const env: Record<string, string> = {
          SLUICE_HOME: home,
          SLUICE_LOG_LEVEL: "error",
          ...(lake === "fs" ? { SLUICE_LAKE: `${home}/lake` } : {
            SLUICE_LAKE: `s3://${s3.state.bucket}/bench-${run}-${crypto.randomUUID().slice(0, 6)}`,
            S3_ENDPOINT: s3.state.endpoint,
            S3_ACCESS_KEY_ID: s3.state.accessKey,
            S3_SECRET_ACCESS_KEY: s3.state.secretKey,
          }),
        };
        const result = await sluice("sluice.ts", [
          "materialize",
          "--exclude",
          "group:warehouse,group:marts",
        ], env);
        (lake === "fs" ? fsMs : s3Ms).push(result.ms);
        console.log(`  run ${run}: ${lake} lake ${(result.ms / 1000).toFixed(1)} s`);
      } finally {
        await Deno.remove(home, { recursive: true });
      }
    }
  }
  if (fsMs.length > 0) {
    console.log(
      `${fmt(dayEvents)}-event day, landing → gold: filesystem lake median ${
        (median(fsMs) / 1000).toFixed(1)
      } s, S3 lake (MinIO) median ${(median(s3Ms) / 1000).toFixed(1)} s, ratio ${
        (median(s3Ms) / median(fsMs)).toFixed(2)
      }x`,
    );
  }
  await admin.end();
} finally {
  await Promise.all([kafka.stop(), s3.stop(), pg.stop()]);
}
