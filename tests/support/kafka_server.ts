// A throwaway Apache Kafka for tests: one KRaft node (broker and controller combined) from
// Maven Central's jars, run with the machine's Java on free loopback ports in a temp dir.
import { fileURLToPath } from "node:url";
import { openKafka } from "../../resources/kafka/kafka_client.ts";
import { freePort } from "./postgres_server.ts";
import {
  isAlive,
  logTail,
  requireProgram,
  runCommand,
  serviceCacheDir,
  spawnServer,
  stopPid,
  waitForPort,
} from "./toolchain.ts";

export const KAFKA_VERSION = "3.9.1";
const POM = fileURLToPath(new URL("../../services/kafka/pom.xml", import.meta.url));
const START_TIMEOUT_MS = 60_000;

/** What a later `stop` (maybe another process) needs to find the broker. */
export interface KafkaState {
  readonly brokers: string;
  readonly port: number;
  readonly controllerPort: number;
  readonly dir: string;
  readonly pid: number;
}

export interface KafkaServer {
  readonly brokers: string;
  readonly state: KafkaState;
  /** Environment variables that point a test at this broker. */
  readonly env: Record<string, string>;
  /** Stops the broker and starts it again on the same ports and data (a broker restart). */
  restart(options?: { downMs?: number }): Promise<void>;
  /** Kills the broker like a crash would (SIGKILL), keeping its data. */
  kill(): Promise<void>;
  /** Starts a killed broker again. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The broker's jars, resolved once with Maven into the service cache (jars stay in ~/.m2). */
export async function kafkaJars(): Promise<string> {
  const dir = `${serviceCacheDir()}/kafka-${KAFKA_VERSION}`;
  try {
    if ((await Deno.stat(`${dir}/.complete`)).isFile) return dir;
  } catch {
    // Not resolved yet.
  }
  const mvn = await requireProgram("mvn", "maven");
  console.error(`kafka_server: resolving Kafka ${KAFKA_VERSION} jars with Maven …`);
  const out = await runCommand(mvn, [
    "-q",
    "-B",
    "-f",
    POM,
    "dependency:copy-dependencies",
    `-DoutputDirectory=${dir}`,
  ]);
  if (out.code !== 0) {
    throw new Error(
      `mvn dependency:copy-dependencies for Kafka failed (exit ${out.code}):\n${
        (out.stdout + out.stderr).trim().split("\n").slice(-15).join("\n")
      }`,
    );
  }
  await Deno.writeTextFile(`${dir}/.complete`, new Date().toISOString());
  return dir;
}

function serverProperties(dir: string, port: number, controllerPort: number): string {
  return [
    "process.roles=broker,controller",
    "node.id=1",
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    "controller.listener.names=CONTROLLER",
    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
    "inter.broker.listener.name=PLAINTEXT",
    `log.dirs=${dir}/data`,
    "num.partitions=6",
    "offsets.topic.replication.factor=1",
    "offsets.topic.num.partitions=6",
    "transaction.state.log.replication.factor=1",
    "transaction.state.log.min.isr=1",
    "group.initial.rebalance.delay.ms=0",
    "auto.create.topics.enable=false",
    // Enforce retention within a second (default: every 5 minutes), so a test that depends on
    // records the broker would delete fails at once instead of now and then.
    "log.retention.check.interval.ms=1000",
    "log.initial.task.delay.ms=1000",
    // Test data is disposable: no fsync beyond the OS's.
    "log.flush.interval.messages=9223372036854775807",
    "",
  ].join("\n");
}

const LOG4J = [
  "log4j.rootLogger=WARN, stdout",
  "log4j.appender.stdout=org.apache.log4j.ConsoleAppender",
  "log4j.appender.stdout.layout=org.apache.log4j.PatternLayout",
  "log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n",
  "log4j.logger.kafka.server.KafkaServer=INFO",
  "log4j.logger.kafka.server.BrokerServer=INFO",
  "",
].join("\n");

function clusterId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** Formats a fresh data dir and starts one KRaft node on free ports. */
export async function startKafka(): Promise<KafkaServer> {
  const java = await requireProgram("java", "openjdk-17-jre-headless");
  const jars = await kafkaJars();
  const dir = await Deno.makeTempDir({ prefix: "sluice-kafka-" });
  const port = freePort();
  const controllerPort = freePort();
  await Deno.writeTextFile(`${dir}/server.properties`, serverProperties(dir, port, controllerPort));
  await Deno.writeTextFile(`${dir}/log4j.properties`, LOG4J);
  const classpath = `${jars}/*`;
  const format = await runCommand(java, [
    "-cp",
    classpath,
    `-Dlog4j.configuration=file:${dir}/log4j.properties`,
    "kafka.tools.StorageTool",
    "format",
    // `=`: a random id may start with '-', which would read as a flag.
    `--cluster-id=${clusterId()}`,
    "-c",
    `${dir}/server.properties`,
  ]);
  if (format.code !== 0) {
    throw new Error(`kafka-storage format failed (exit ${format.code}):\n${format.stderr.trim()}`);
  }
  const launch = async (): Promise<number> => {
    const child = spawnServer(java, [
      "-Xms256m",
      "-Xmx768m",
      "-XX:+UseG1GC",
      "-Djava.awt.headless=true",
      `-Dlog4j.configuration=file:${dir}/log4j.properties`,
      "-cp",
      classpath,
      "kafka.Kafka",
      `${dir}/server.properties`,
    ], { cwd: dir, logFile: `${dir}/server.log` });
    child.unref();
    try {
      await waitForPort(port, START_TIMEOUT_MS, () => isAlive(child.pid));
    } catch (error) {
      await stopPid(child.pid, "SIGKILL");
      throw new Error(
        `Kafka did not start on 127.0.0.1:${port}: ${(error as Error).message}\n` +
          `Last log lines (${dir}/server.log):\n${await logTail(`${dir}/server.log`)}`,
      );
    }
    await warmGroupCoordinator(port);
    return child.pid;
  };
  let pid = await launch();
  const state = (): KafkaState => ({
    brokers: `127.0.0.1:${port}`,
    port,
    controllerPort,
    dir,
    pid,
  });
  return {
    brokers: `127.0.0.1:${port}`,
    get state() {
      return state();
    },
    env: { SLUICE_TEST_KAFKA_BROKERS: `127.0.0.1:${port}` },
    async restart(options = {}) {
      await stopPid(pid);
      if (options.downMs) await new Promise((resolve) => setTimeout(resolve, options.downMs));
      pid = await launch();
    },
    async kill() {
      await stopPid(pid, "SIGKILL");
    },
    async start() {
      if (!isAlive(pid)) pid = await launch();
    },
    async stop() {
      await stopKafka(state());
    },
  };
}

/** Stops the broker recorded in `state` and removes its data. */
export async function stopKafka(state: KafkaState): Promise<void> {
  await stopPid(state.pid);
  await Deno.remove(state.dir, { recursive: true }).catch(() => {});
}

/**
 * Asks for a group coordinator until one answers, so __consumer_offsets exists before a test's
 * first consumer joins. A consumer group's first join on a fresh broker can leave kafkajs
 * looping on "offset out of range" (see the closing note of issue 4); users' brokers are warm.
 */
async function warmGroupCoordinator(port: number): Promise<void> {
  const kafka = openKafka({
    brokers: [`127.0.0.1:${port}`],
    clientId: "sluice-test-warmup",
    topicPrefix: "",
    retentionHours: 1,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.describeGroups(["sluice-test-warmup"]);
  } finally {
    await admin.disconnect();
  }
}
