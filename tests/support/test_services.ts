// All the real servers the tests use, started together on free loopback ports: PostgreSQL, Kafka
// (KRaft) and MinIO. `deno task services:start` leaves them running and prints their environment;
// `deno task services:stop` stops them. `deno task test` starts and stops its own.
import { parseArgs } from "node:util";
import { type KafkaState, startKafka, stopKafka } from "./kafka_server.ts";
import {
  readServiceState,
  startRecorded as startRecordedPostgres,
  stopRecorded as stopRecordedPostgres,
  writeServiceState,
} from "./postgres_server.ts";
import { s3Env, type S3State, startS3, stopS3 } from "./s3_server.ts";
import { CHROMIUM_PACKAGE, ensureChromium } from "./chromium.ts";
import { isAlive } from "./toolchain.ts";

export type ServiceName = "postgres" | "kafka" | "s3";

export interface StartedServices {
  /** Environment variables for `deno test`: one group per service that started. */
  readonly env: Record<string, string>;
  /** Services that could not start, with the reason. */
  readonly failures: ReadonlyMap<ServiceName, string>;
  stop(): Promise<void>;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Starts Kafka and MinIO side by side (Postgres is started by the caller, which already knows
 * how). A service that fails is reported, not thrown: the caller decides (CI=true fails the run).
 */
export async function startStreamingServices(): Promise<StartedServices> {
  const failures = new Map<ServiceName, string>();
  const [kafka, s3] = await Promise.all([
    startKafka().catch((error) => {
      failures.set("kafka", reason(error));
      return null;
    }),
    startS3().catch((error) => {
      failures.set("s3", reason(error));
      return null;
    }),
  ]);
  return {
    env: { ...kafka?.env, ...s3?.env },
    failures,
    async stop() {
      await Promise.all([kafka?.stop(), s3?.stop()]);
    },
  };
}

/**
 * The browser the UI tests drive: Debian's chromium-headless-shell, installed with apt-get when
 * it is missing and we are root, as Postgres is. A failure is reported, not thrown: the caller
 * decides (CI=true fails the run).
 */
export async function provideBrowser(): Promise<{ path: string } | { failure: string }> {
  try {
    return { path: await ensureChromium() };
  } catch (error) {
    return { failure: `${CHROMIUM_PACKAGE}: ${reason(error)}` };
  }
}

function envLines(env: Record<string, string>): string {
  return Object.entries(env).map(([name, value]) => `${name}=${value}`).join("\n");
}

async function start(): Promise<number> {
  const t0 = performance.now();
  const postgres = await startRecordedPostgres();
  const browser = await provideBrowser();
  if ("failure" in browser) throw new Error(`the UI tests' browser is missing: ${browser.failure}`);
  const state = await readServiceState();
  let kafka = state.kafka as KafkaState | undefined;
  let s3 = state.s3 as S3State | undefined;
  const [k, s] = await Promise.all([
    kafka && isAlive(kafka.pid) ? null : startKafka(),
    s3 && isAlive(s3.pid) ? null : startS3(),
  ]);
  kafka = k?.state ?? kafka!;
  s3 = s?.state ?? s3!;
  await writeServiceState({ ...(await readServiceState()), kafka, s3 });
  console.error(
    `test_services: PostgreSQL, Kafka, MinIO and ${browser.path} ready (${
      ((performance.now() - t0) / 1000).toFixed(1)
    }s); stop them with \`deno task services:stop\``,
  );
  console.log(envLines({
    SLUICE_TEST_DATABASE_URL: postgres.url,
    SLUICE_TEST_KAFKA_BROKERS: kafka.brokers,
    ...s3Env(s3),
  }));
  return 0;
}

async function stop(): Promise<number> {
  const state = await readServiceState();
  const kafka = state.kafka as KafkaState | undefined;
  const s3 = state.s3 as S3State | undefined;
  await Promise.all([kafka && stopKafka(kafka), s3 && stopS3(s3), stopRecordedPostgres()]);
  const rest = await readServiceState();
  delete rest.kafka;
  delete rest.s3;
  await writeServiceState(rest);
  console.error("test_services: stopped");
  return 0;
}

if (import.meta.main) {
  const { positionals } = parseArgs({ args: Deno.args, allowPositionals: true });
  try {
    if (positionals[0] === "start") Deno.exit(await start());
    if (positionals[0] === "stop") Deno.exit(await stop());
    console.error("usage: deno run -A tests/support/test_services.ts start|stop");
    Deno.exit(2);
  } catch (error) {
    console.error(`test_services: ${reason(error).split("\n").join("\n  ")}`);
    Deno.exit(1);
  }
}
