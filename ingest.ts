// `deno task ingest`: consumes the six Kafka topics into bronze segments, exactly once, until
// stopped (Ctrl-C or SIGTERM leave the group cleanly). Run several for more throughput: the
// consumer group spreads the partitions. `--until-caught-up` stops once the topics are drained.
import { parseArgs } from "node:util";
import { loadKafkaCommandConfig } from "./resources/config.ts";
import { openDuckDb } from "./resources/duckdb/duckdb.ts";
import { DEFAULT_GROUP, runIngestor } from "./resources/kafka/bronze_ingestor.ts";
import { explainKafkaError, openKafka } from "./resources/kafka/kafka_client.ts";
import { ensureTopics } from "./resources/kafka/topics.ts";
import { openLake } from "./resources/lake/open_lake.ts";
import { openMetadataStore } from "./resources/postgres/open_metadata_store.ts";
import { ConfigError, errorMessage } from "./runtime/errors.ts";
import { createLogger, stderrSink } from "./runtime/logger.ts";

const USAGE = `Usage: deno task ingest [--until-caught-up] [--group NAME]

Consumes orders, payments, users, devices, geo_events and refunds from KAFKA_BROKERS into bronze
segments; offsets commit in the metadata store with the segments, so each record lands once.`;

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      "until-caught-up": { type: "boolean", default: false },
      group: { type: "string", default: DEFAULT_GROUP },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  let config;
  try {
    config = loadKafkaCommandConfig(Deno.env.toObject(), "ingest");
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    return 2;
  }
  const log = createLogger([stderrSink(config.logFormat)], config.logLevel, {
    component: "ingest",
  });
  const controller = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => controller.abort());
  }
  const store = await openMetadataStore({
    databaseUrl: config.databaseUrl,
    embeddedDir: `${config.home}/pg`,
  });
  const duckdb = await openDuckDb({ threads: 1 });
  try {
    const lake = await openLake(config);
    const kafka = openKafka(config.kafka, log);
    const admin = kafka.admin();
    try {
      await admin.connect();
      await ensureTopics(
        admin,
        { retentionHours: config.kafka.retentionHours },
        config.kafka.topicPrefix,
      );
    } catch (error) {
      throw explainKafkaError(error, config.kafka.brokers);
    } finally {
      await admin.disconnect().catch(() => {});
    }
    const report = await runIngestor({
      kafka,
      topicPrefix: config.kafka.topicPrefix,
      group: values.group,
      db: store.database,
      lake,
      duckdb,
      log,
      untilCaughtUp: values["until-caught-up"],
      signal: controller.signal,
    }).catch((error) => {
      throw explainKafkaError(error, config.kafka.brokers);
    });
    const seconds = report.elapsedMs / 1000;
    console.log(
      `Ingested ${report.records.toLocaleString("en-US")} records in ${report.batches} batches ` +
        `(${Math.round(report.records / seconds).toLocaleString("en-US")} records/s over ${
          seconds.toFixed(1)
        } s)${
          report.conflicts > 0 ? `; ${report.conflicts} batches fenced off by a rebalance` : ""
        }`,
    );
    return controller.signal.aborted ? 130 : 0;
  } catch (error) {
    console.error(`Ingestion failed: ${errorMessage(error)}`);
    return 1;
  } finally {
    duckdb.close();
    await store.close();
  }
}

Deno.exit(await main(Deno.args));
