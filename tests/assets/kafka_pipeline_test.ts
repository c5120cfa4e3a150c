// With KAFKA_BROKERS set, the pipeline's sources are the Kafka topics: records `deno task ingest`
// committed build bronze and everything after it; newly ingested records make that day's bronze
// stale with "source kafka.<topic> has new data".
import assert from "node:assert/strict";
import { join } from "node:path";
import { openKafka } from "../../resources/kafka/kafka_client.ts";
import { ALERTS_TOPIC, topicName } from "../../resources/kafka/topics.ts";
import { runScript } from "../support/deno_script.ts";
import {
  needsKafka,
  needsPostgres,
  requireTestVariable,
  withFreshDatabase,
} from "../support/services.ts";

const services = { ignore: needsKafka().ignore || needsPostgres().ignore };

async function run(script: string, args: string[], env: Record<string, string>) {
  const result = await runScript(script, args, env);
  assert.equal(result.code, 0, `${script} ${args.join(" ")}:\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** Records on the environment's fraud.alerts topic. */
async function alertsOnTopic(env: Record<string, string>): Promise<number> {
  const kafka = openKafka({
    brokers: env.KAFKA_BROKERS.split(","),
    clientId: "sluice-test",
    topicPrefix: env.KAFKA_TOPIC_PREFIX,
    retentionHours: 1,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topicName(env.KAFKA_TOPIC_PREFIX, ALERTS_TOPIC));
    return offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

Deno.test({
  name: "materialize builds bronze to gold from Kafka segments; new records make the day stale",
  ...services,
  fn: () =>
    withFreshDatabase(async (databaseUrl) => {
      const home = await Deno.makeTempDir({ prefix: "sluice-kafka-e2e-" });
      const env = {
        KAFKA_BROKERS: requireTestVariable("SLUICE_TEST_KAFKA_BROKERS"),
        KAFKA_TOPIC_PREFIX: `e2e${crypto.randomUUID().slice(0, 8)}.`,
        DATABASE_URL: databaseUrl,
        SLUICE_HOME: home,
        SLUICE_LAKE: join(home, "lake"),
        SLUICE_LOG_LEVEL: "warn",
      };
      const generate = (seed: number) =>
        run("generator/main.ts", [
          "--kafka",
          "--events",
          "3000",
          "--seed",
          String(seed),
          "--start",
          "2026-11-01",
        ], env);
      try {
        await generate(1);
        await run("ingest.ts", ["--until-caught-up"], env);
        const first = await run("sluice.ts", ["materialize"], env);
        assert.match(first.stdout, /bronze\.orders\s+2026-11-01\s+succeeded/);
        assert.match(first.stdout, /gold\.revenue_daily\s+2026-11-01\s+succeeded/);
        assert.doesNotMatch(first.stdout, /failed/);

        // The day's alerts went out on fraud.alerts, once; a forced rerun sends none again.
        const sent = Number(
          first.stdout.match(/outbound\.fraud_alerts\s+2026-11-01\s+succeeded\s+(\d+)/)![1],
        );
        assert.ok(sent > 0, first.stdout);
        assert.equal(await alertsOnTopic(env), sent);
        const rerun = await run(
          "sluice.ts",
          ["materialize", "outbound.fraud_alerts", "--force"],
          env,
        );
        assert.match(rerun.stdout, /outbound\.fraud_alerts\s+2026-11-01\s+succeeded\s+0\s/);
        assert.equal(await alertsOnTopic(env), sent);

        await generate(2);
        // Produced, not yet ingested: observing the source reports the lag.
        const before = await run("sluice.ts", ["assets", "kafka.orders", "--json"], {
          ...env,
          SLUICE_LOG_LEVEL: "info",
        });
        assert.equal(JSON.parse(before.stdout)[0].kind, "source");
        assert.match(before.stderr, /kafka\.orders: ingestion lags by [1-9][\d,]* records/);
        const lagging = JSON.parse(before.stdout)[0].observation.lag_records;
        assert.ok(lagging > 0, before.stdout);
        const table = await run("sluice.ts", ["assets"], env);
        assert.match(
          table.stdout,
          new RegExp(`kafka\\.orders\\s.*observed: .*lag_records=${lagging}`),
        );
        // …and on bronze, which those records will change.
        assert.match(
          table.stdout,
          new RegExp(
            `bronze\\.orders\\s.*source kafka\\.orders has ${
              lagging.toLocaleString("en-US")
            } records not yet in a partition`,
          ),
        );
        await run("ingest.ts", ["--until-caught-up"], env);
        const assets = await run("sluice.ts", ["assets", "bronze.orders"], env);
        assert.match(assets.stdout, /2026-11-01\s+stale\s+source kafka\.orders has new data/);
        const second = await run("sluice.ts", ["materialize", "bronze.orders"], env);
        assert.match(second.stdout, /bronze\.orders\s+2026-11-01\s+succeeded\s+[\d,]+/);
      } finally {
        await Deno.remove(home, { recursive: true });
      }
    }),
});
