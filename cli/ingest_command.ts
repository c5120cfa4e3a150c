// `sluice ingest`: consumes the six Kafka topics into bronze, exactly once, until
// stopped (Ctrl-C or SIGTERM leave the group cleanly). Run several for more throughput: the
// consumer group spreads the partitions. `--until-caught-up` stops once the topics are drained.
import { parseArgs } from "node:util";
import { loadKafkaCommandConfig } from "../resources/config.ts";
import { openDuckDb } from "../resources/duckdb/duckdb.ts";
import { DEFAULT_GROUP, runIngestor } from "../ingest/kafka/bronze_ingestor.ts";
import { INGEST_MIGRATIONS } from "../ingest/migrations.ts";
import { explainKafkaError, openKafka } from "../resources/kafka/kafka_client.ts";
import { ensureTopics } from "../resources/kafka/topics.ts";
import { openLake } from "../resources/lake/open_lake.ts";
import { openMetadataStore } from "../resources/postgres/open_metadata_store.ts";
import { kafkaBronzeTarget } from "../assets/kafka_sources.ts";
import type { Clock } from "../runtime/clock.ts";
import { errorMessage, RequestError, SluiceError } from "../runtime/errors.ts";
import { isAlive, livenessFile, touchLiveness } from "./liveness.ts";
import { reapDeadRuns } from "../runtime/execution/dead_runs.ts";
import { newRunId } from "../runtime/execution/materialize.ts";
import { currentProcess } from "../runtime/process_identity.ts";
import { createLogger, type Logger, stderrSink } from "../runtime/logger.ts";
import type { MetadataStore, RunId } from "../runtime/store/metadata_store.ts";
import type { Command } from "./command.ts";
import { EXIT, type ExitCode } from "./exit_codes.ts";

const USAGE = `Usage: deno task ingest [--until-caught-up] [--group NAME] [--compact-at PARTS]
       deno task ingest --health

Consumes orders, payments, users, devices, geo_events and refunds from KAFKA_BROKERS into
bronze: each batch is appended to its event day's bronze.<topic> in the metadata-store transaction
that moves its offsets, so each record lands once and bronze is current as soon as it lands.
A day whose bronze has PARTS parts (default 16) is compacted into one in the background.
--health exits 0 if an ingester on this host was alive in the last minute (for health checks).`;

async function runIngest(
  env: Readonly<Record<string, string | undefined>>,
  args: string[],
  clock: Clock,
): Promise<ExitCode> {
  const { values } = parseArgs({
    args,
    options: {
      "until-caught-up": { type: "boolean", default: false },
      group: { type: "string", default: DEFAULT_GROUP },
      "compact-at": { type: "string", default: "16" },
      health: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return EXIT.ok;
  }
  const compactAt = Number(values["compact-at"]);
  if (!Number.isInteger(compactAt) || compactAt < 2) {
    throw new RequestError(
      `--compact-at must be a whole number of parts, 2 or more (got '${values["compact-at"]}')`,
    );
  }
  const config = loadKafkaCommandConfig(env, "ingest");
  const alive = livenessFile(config.home, "ingest");
  if (values.health) {
    if (await isAlive(alive, HEALTHY_WITHIN_MS)) return EXIT.ok;
    throw new SluiceError(`ingest: not alive in the last ${HEALTHY_WITHIN_MS / 1000} s (${alive})`);
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
    await store.migrateSchema(INGEST_MIGRATIONS);
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
    // An ingester killed with -9 left its run `running`: record it abandoned.
    await reapDeadRuns(store, { at: clock.now(), noticedBy: "ingest", log });
    const runId = newRunId(clock.now());
    const process = currentProcess();
    await store.runs.startRun({
      id: runId,
      command: "ingest",
      selection: "group:bronze",
      partitions: "kafka",
      host: process.host,
      pid: process.pid,
      processStart: process.start,
      processScope: process.scope,
      startedAt: clock.now(),
    });
    const heartbeat = keepRunAlive(store, runId, config.leaseTtlMs, log);
    const report = await runIngestor({
      kafka,
      topicPrefix: config.kafka.topicPrefix,
      group: values.group,
      partitions: store.partitions,
      db: store.database,
      lake,
      duckdb,
      log,
      target: kafkaBronzeTarget(runId),
      compactAt,
      onAlive: throttled(() => touchLiveness(alive).catch(() => {}), 5_000),
      untilCaughtUp: values["until-caught-up"],
      signal: controller.signal,
      clock,
    }).catch(async (error) => {
      await store.runs.finishRun(runId, "failed", { error: errorMessage(error) }, clock.now());
      const explained = explainKafkaError(error, config.kafka.brokers);
      throw new SluiceError(`Ingestion failed: ${errorMessage(explained)}`);
    }).finally(() => clearInterval(heartbeat));
    await store.runs.finishRun(
      runId,
      controller.signal.aborted ? "cancelled" : "succeeded",
      { records: report.records, batches: report.batches, compactions: report.compactions },
      clock.now(),
    );
    const seconds = report.elapsedMs / 1000;
    console.log(
      `Ingested ${report.records.toLocaleString("en-US")} records in ${report.batches} batches ` +
        `(${Math.round(report.records / seconds).toLocaleString("en-US")} records/s over ${
          seconds.toFixed(1)
        } s)${
          report.conflicts > 0 ? `; ${report.conflicts} batches fenced off by a rebalance` : ""
        }${report.compactions > 0 ? `; ${report.compactions} bronze days compacted` : ""}`,
    );
    return controller.signal.aborted ? EXIT.cancelled : EXIT.ok;
  } finally {
    duckdb.close();
    await store.close();
  }
}

const HEALTHY_WITHIN_MS = 60_000;

/** Renews the run's heartbeat deadline, so a process elsewhere can tell when it died. */
function keepRunAlive(
  store: MetadataStore,
  runId: RunId,
  ttlMs: number,
  log: Logger,
): ReturnType<typeof setInterval> {
  const renew = () =>
    store.runs.heartbeat(runId, ttlMs).catch((error) =>
      log.warn(`could not renew the run's heartbeat: ${errorMessage(error)}`)
    );
  void renew();
  return setInterval(renew, Math.max(50, Math.floor(ttlMs / 3)));
}

/** `fn` at most once per `ms`. */
function throttled(fn: () => unknown, ms: number): () => void {
  let last = -Infinity;
  return () => {
    if (performance.now() - last < ms) return;
    last = performance.now();
    fn();
  };
}

export const ingestCommand: Command = {
  name: "ingest",
  summary: "consume the Kafka topics into bronze, exactly once",
  usage: USAGE,
  run: (context, args) => runIngest(context.env, args, context.clock),
};
