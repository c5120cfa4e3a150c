// With KAFKA_BROKERS set, the pipeline's sources are the Kafka topics: `deno task ingest` appends
// records to bronze as it commits them, and materialize builds everything after bronze. Records
// not yet ingested show on bronze as "source kafka.<topic> has new data" with the lag; once
// ingested, bronze is current and its readers are stale.
import assert from "node:assert/strict";
import { join } from "node:path";
import postgres from "postgres";
import { committedRecords } from "../support/committed_records.ts";
import { streamEvents } from "../../generator/event_stream.ts";
import { parseGeneratorArgs } from "../../generator/options.ts";
import { streamOptionsOf } from "../../generator/run.ts";
import { ALERTS_TOPIC, topicName } from "../../resources/kafka/topics.ts";
import { runScript } from "../support/deno_script.ts";
import {
  needsKafka,
  needsPostgres,
  needsS3,
  requireTestVariable,
  withFreshDatabase,
} from "../support/services.ts";

const services = { ignore: needsKafka().ignore || needsPostgres().ignore };

async function run(script: string, args: string[], env: Record<string, string>) {
  const result = await runScript(script, args, env);
  assert.equal(result.code, 0, `${script} ${args.join(" ")}:\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** Records of committed transactions on the environment's fraud.alerts topic. */
async function alertsOnTopic(env: Record<string, string>, expected: number): Promise<number> {
  const topic = topicName(env.KAFKA_TOPIC_PREFIX, ALERTS_TOPIC);
  return (await committedRecords(env.KAFKA_BROKERS, topic, expected)).length;
}

/** The rows of `key`'s 2026-11-01 pointer. */
async function rowsOf(databaseUrl: string, key: string): Promise<number> {
  const sql = postgres(databaseUrl, { onnotice: () => {} });
  try {
    const [{ rows }] = await sql<{ rows: number }[]>`
      select rows::int as rows from platform.asset_partitions
      where asset_key = ${key} and partition_key = '2026-11-01'`;
    return rows;
  } finally {
    await sql.end();
  }
}

/** Offsets `generate ARGS` adds to the orders topic: its records and one marker per partition. */
function expectedOrderOffsets(args: readonly string[]): number {
  const options = parseGeneratorArgs(args)!;
  const partitions = new Set<number>();
  let records = 0;
  for (const record of streamEvents(streamOptionsOf(options))) {
    if (record.topic !== "orders") continue;
    records++;
    partitions.add(record.partition);
  }
  return records + partitions.size;
}

/** bronze.orders' pointer for 2026-11-01. */
async function bronzeRows(databaseUrl: string) {
  const sql = postgres(databaseUrl, { onnotice: () => {} });
  try {
    return await sql<{ location: string; rows: number }[]>`
      select location, rows::int as rows from platform.asset_partitions
      where asset_key = 'bronze.orders' and partition_key = '2026-11-01'`;
  } finally {
    await sql.end();
  }
}

/** The lake settings of each lake the test runs on. */
const LAKES: Record<string, (home: string) => Record<string, string>> = {
  "filesystem": (home) => ({ SLUICE_LAKE: join(home, "lake") }),
  // Compose's setup: Kafka, Postgres and the lake on S3.
  "S3": () => ({
    SLUICE_LAKE: `s3://${requireTestVariable("SLUICE_TEST_S3_BUCKET")}/e2e-${
      crypto.randomUUID().slice(0, 8)
    }`,
    S3_ENDPOINT: requireTestVariable("SLUICE_TEST_S3_ENDPOINT"),
    S3_ACCESS_KEY_ID: requireTestVariable("SLUICE_TEST_S3_ACCESS_KEY"),
    S3_SECRET_ACCESS_KEY: requireTestVariable("SLUICE_TEST_S3_SECRET_KEY"),
  }),
};

for (const [lake, lakeEnv] of Object.entries(LAKES)) {
  Deno.test({
    name:
      `ingest makes bronze current, materialize builds the rest; new records show as lag, then stale readers (${lake} lake)`,
    ignore: services.ignore || (lake === "S3" && needsS3().ignore),
    fn: () =>
      withFreshDatabase(async (databaseUrl) => {
        const home = await Deno.makeTempDir({ prefix: "sluice-kafka-e2e-" });
        const env = {
          KAFKA_BROKERS: requireTestVariable("SLUICE_TEST_KAFKA_BROKERS"),
          KAFKA_TOPIC_PREFIX: `e2e${crypto.randomUUID().slice(0, 8)}.`,
          DATABASE_URL: databaseUrl,
          SLUICE_HOME: home,
          SLUICE_LOG_LEVEL: "warn",
          ...lakeEnv(home),
        };
        const generateArgs = (seed: number) => [
          "--kafka",
          "--events",
          "3000",
          "--seed",
          String(seed),
          "--start",
          "2026-11-01",
        ];
        const generate = (seed: number) =>
          run("sluice.ts", ["generate", ...generateArgs(seed)], env);
        try {
          await generate(1);
          await run("sluice.ts", ["ingest", "--until-caught-up"], env);
          const ingested = await run("sluice.ts", ["assets", "bronze.orders"], env);
          assert.match(ingested.stdout, /2026-11-01\s+fresh/);
          const first = await run("sluice.ts", ["materialize"], env);
          // Bronze was current before the run: the ingester's commits put it there.
          assert.doesNotMatch(first.stdout, /bronze\.orders\s+2026-11-01/);
          assert.match(first.stdout, /staging\.orders\s+2026-11-01\s+succeeded/);
          assert.match(first.stdout, /gold\.revenue_daily\s+2026-11-01\s+succeeded/);
          assert.doesNotMatch(first.stdout, /failed/);

          // The day's alerts went out on fraud.alerts, once; a forced rerun sends none again.
          const sent = Number(
            first.stdout.match(/outbound\.fraud_alerts\s+2026-11-01\s+succeeded\s+(\d+)/)![1],
          );
          assert.equal(sent, await rowsOf(databaseUrl, "gold.fraud_alerts"), first.stdout);
          assert.equal(await alertsOnTopic(env, sent), sent);
          const rerun = await run(
            "sluice.ts",
            ["materialize", "outbound.fraud_alerts", "--force"],
            env,
          );
          assert.match(rerun.stdout, /outbound\.fraud_alerts\s+2026-11-01\s+succeeded\s+0\s/);
          assert.equal(await alertsOnTopic(env, sent), sent);

          await generate(2);
          // Produced, not yet ingested: observing the source reports the lag.
          const before = await run("sluice.ts", ["assets", "kafka.orders", "--json"], {
            ...env,
            SLUICE_LOG_LEVEL: "info",
          });
          assert.equal(JSON.parse(before.stdout)[0].kind, "source");
          assert.match(before.stderr, /kafka\.orders: ingestion lags by [1-9][\d,]* records/);
          const lagging = JSON.parse(before.stdout)[0].observation.lag_records;
          // Offsets not yet ingested: the second run's orders, and the commit marker its one
          // transaction (3,000 events, one batch) left in each orders partition it wrote.
          assert.equal(lagging, expectedOrderOffsets(generateArgs(2)), before.stdout);
          const table = await run("sluice.ts", ["assets"], env);
          assert.match(
            table.stdout,
            new RegExp(`kafka\\.orders\\s.*observed: .*lag_records=${lagging}`),
          );
          // …and on bronze, which those records will change.
          assert.match(
            table.stdout,
            new RegExp(
              `bronze\\.orders\\s.*source kafka\\.orders has new data: ${
                lagging.toLocaleString("en-US")
              } records not yet in a partition`,
            ),
          );
          await run("sluice.ts", ["ingest", "--until-caught-up"], env);
          const bronze = await run("sluice.ts", ["assets", "bronze.orders"], env);
          assert.match(bronze.stdout, /2026-11-01\s+fresh/);
          const staging = await run("sluice.ts", ["assets", "staging.orders"], env);
          assert.match(
            staging.stdout,
            /2026-11-01\s+stale\s+upstream bronze\.orders has a new data version/,
          );
          const second = await run("sluice.ts", ["materialize"], env);
          assert.doesNotMatch(second.stdout, /bronze\.orders\s+2026-11-01/);
          assert.match(second.stdout, /staging\.orders\s+2026-11-01\s+succeeded/);
          assert.doesNotMatch(second.stdout, /failed/);

          // A forced run of bronze lays the day's parts out as one location, the same records.
          const [pointer] = await bronzeRows(databaseUrl);
          assert.ok(pointer.location.startsWith("parts:"), pointer.location);
          const forced = await run("sluice.ts", ["materialize", "bronze.orders", "--force"], env);
          assert.match(
            forced.stdout,
            new RegExp(
              `bronze\\.orders\\s+2026-11-01\\s+succeeded\\s+${
                pointer.rows.toLocaleString("en-US")
              }\\s`,
            ),
          );
          const [rewritten] = await bronzeRows(databaseUrl);
          assert.ok(!rewritten.location.startsWith("parts:"), rewritten.location);
          assert.equal(rewritten.rows, pointer.rows);
        } finally {
          await Deno.remove(home, { recursive: true });
        }
      }),
  });
}
