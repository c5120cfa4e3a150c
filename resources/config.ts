// Configuration from the environment, checked with zod once at start-up. A wrong value stops
// the program with one line naming the variable and what is expected.
import { z } from "zod";
import { ConfigError } from "../runtime/errors.ts";

/** A whole number from `min` to `max`; every way of missing it gets the same message. */
const wholeNumber = (what: string, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.string().regex(/^\d+$/, `expected ${what}`).transform(Number).refine(
    (n) => n >= min && n <= max,
    `expected ${what}`,
  );

const positiveInt = (what: string) => wholeNumber(what, 1);

const schema = z.object({
  SLUICE_HOME: z.string().min(1, "expected a directory path").default(".sluice"),
  DATABASE_URL: z.string().regex(
    /^postgres(ql)?:\/\/\S+$/,
    "expected a Postgres URL like postgres://user:password@host:5432/database",
  ).optional(),
  SLUICE_LAKE: z.string().min(1, "expected a directory path or s3://bucket/prefix").refine(
    (value) =>
      !/^[a-z0-9]+:\/\//i.test(value) || value.startsWith("file://") ||
      /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(value),
    "expected a local directory, a file:// URL or s3://bucket/prefix",
  ).optional(),
  S3_ENDPOINT: z.string().regex(/^https?:\/\/\S+$/, "expected a URL like http://localhost:9000")
    .optional(),
  S3_REGION: z.string().regex(/^[a-z0-9-]+$/, "expected a region like us-east-1")
    .default("us-east-1"),
  S3_ACCESS_KEY_ID: z.string().min(1, "expected an access key id").optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1, "expected a secret access key").optional(),
  SLUICE_CONCURRENCY: positiveInt("a positive whole number of parallel materializations")
    .optional(),
  SLUICE_LOG_LEVEL: z.enum(
    ["debug", "info", "warn", "error"],
    "expected debug, info, warn or error",
  )
    .default("info"),
  SLUICE_LOG_FORMAT: z.enum(["pretty", "json"], "expected pretty or json").default("pretty"),
  SLUICE_LEASE_TTL_MS: wholeNumber("a whole number of milliseconds, at least 1000", 1000)
    .default(30_000),
  SLUICE_LOCK_WAIT_MS: wholeNumber("a whole number of milliseconds").default(600_000),
  SLUICE_NOW: z.string().refine(
    isIsoInstant,
    "expected an ISO-8601 instant such as 2026-11-30T12:00:00Z (date, time and Z or an offset)",
  ).transform((value) => new Date(value)).optional(),
  KAFKA_BROKERS: z.string().regex(
    /^[\w.-]+:\d+(,[\w.-]+:\d+)*$/,
    "expected host:port[,host:port...], e.g. localhost:9092",
  ).optional(),
  KAFKA_CLIENT_ID: z.string().regex(/^[\w.-]+$/, "expected letters, digits, '.', '_' or '-'")
    .default("sluice"),
  KAFKA_TOPIC_PREFIX: z.string().regex(/^[\w.-]*$/, "expected letters, digits, '.', '_' or '-'")
    .default(""),
  KAFKA_TOPIC_RETENTION_HOURS: positiveInt("a positive whole number of hours").default(168),
  HOST: z.string().regex(/^\S+$/, "expected a host name or address to listen on, e.g. 127.0.0.1")
    .default("127.0.0.1"),
  // No default here: each command that listens has its own (ui 3000, serve 8000).
  PORT: wholeNumber("a port number from 0 to 65535", 0, 65535).optional(),
  SLUICE_UI_TOKEN: z.string().regex(
    /^\S{16,}$/,
    "expected at least 16 characters without spaces (e.g. from `openssl rand -hex 24`)",
  ).optional(),
  SLUICE_SERVE_TOKEN: z.string().regex(
    /^\S{16,}$/,
    "expected at least 16 characters without spaces (e.g. from `openssl rand -hex 24`)",
  ).optional(),
  SLUICE_SERVE_THREADS: wholeNumber("a whole number of threads, 1 to 64", 1, 64).default(1),
  SLUICE_SERVE_BATCH_WORKERS: wholeNumber("a whole number of workers, 0 to 64", 0, 64).default(0),
  SLUICE_SERVE_POLL_MS: wholeNumber(
    "a whole number of milliseconds, 100 to 3600000",
    100,
    3_600_000,
  )
    .default(1000),
  SLUICE_DAEMON_PORT: wholeNumber("a port number from 0 (off) to 65535", 0, 65535).default(3001),
  SLUICE_DAEMON_MAX_RUNS: positiveInt("a positive whole number of runs at once").default(2),
  SLUICE_DAEMON_HEARTBEAT_TTL_MS: wholeNumber("a whole number of milliseconds, at least 1000", 1000)
    .default(30_000),
  SLUICE_DAEMON_REQUEUE_LIMIT: wholeNumber("a whole number, 0 or more").default(1),
  SLUICE_DAEMON_SHUTDOWN_GRACE_MS: wholeNumber("a whole number of milliseconds").default(30_000),
  SLUICE_DAEMON_POLL_MS: positiveInt("a positive whole number of milliseconds").default(250),
  SLUICE_AUTOMATION_INTERVAL_MS: wholeNumber("a whole number of milliseconds").default(5_000),
  SLUICE_RUN_TAG_LIMITS: z.string().regex(
    /^\s*[a-z][\w.-]*(=[^:,=]+)?:[1-9]\d*\s*(,\s*[a-z][\w.-]*(=[^:,=]+)?:[1-9]\d*\s*)*$/i,
    "expected entries like 'warehouse:1' or 'pool=gpu:2' (a tag, optionally =value, then :limit of at least 1) joined by commas",
  ).optional(),
  SLUICE_ALERT_WEBHOOK_URL: z.string().regex(
    /^https?:\/\/\S+$/,
    "expected an http(s) URL to POST alerts to",
  ).optional(),
  SLUICE_DUCKDB_MEMORY_LIMIT: z.string().regex(
    /^\d+(\.\d+)?(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/,
    "expected a DuckDB size such as 512MB or 2GB",
  ).optional(),
  SLUICE_DUCKDB_THREADS: wholeNumber("a whole number of threads, 1 to 256", 1, 256).optional(),
}).superRefine((value, ctx) => {
  if (!value.SLUICE_LAKE?.startsWith("s3://")) return;
  for (const name of ["S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"] as const) {
    if (value[name] === undefined) {
      ctx.addIssue({
        code: "custom",
        path: [name],
        message: "required when SLUICE_LAKE is an s3:// lake",
      });
    }
  }
});

/** Every variable the configuration reads, for tests that try a bad value of each. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape);

/** Variables a deployment against Kafka, Postgres and S3 sets (compose.yaml's Sluice services). */
export const DEPLOYMENT_VARIABLES = [
  "DATABASE_URL",
  "SLUICE_LAKE",
  "S3_ENDPOINT",
  "S3_ACCESS_KEY_ID",
  "S3_SECRET_ACCESS_KEY",
  "KAFKA_BROKERS",
] as const;

export interface Config {
  /** Where embedded state lives: the PGlite data dir, the local lake, the landing zone. */
  readonly home: string;
  readonly databaseUrl: string | undefined;
  readonly lakeRoot: string;
  readonly concurrency: number;
  readonly logLevel: "debug" | "info" | "warn" | "error";
  readonly logFormat: "pretty" | "json";
  readonly leaseTtlMs: number;
  readonly lockWaitMs: number;
  /**
   * SLUICE_NOW: where every command's clock starts (it then advances in real time), so dates
   * (partitions that exist, the default day) are those of that instant. Undefined: the system's.
   */
  readonly startAt: Date | undefined;
  /** Undefined: the lake is the local directory `lakeRoot`. */
  readonly s3Lake: S3LakeConfig | undefined;
  /** Undefined: no Kafka; events come from the landing zone. */
  readonly kafka: KafkaConfig | undefined;
  /** `deno task ui`. */
  readonly ui: UiConfig;
  /** `deno task serve`. */
  readonly serve: ServeConfig;
  /** `deno task daemon`. */
  readonly daemon: DaemonConfig;
  /** Each DuckDB database a step opens (transforms, bronze). */
  readonly duckdb: DuckDbConfig;
}

export interface DuckDbConfig {
  /** SLUICE_DUCKDB_MEMORY_LIMIT: per database; past it DuckDB spills. Undefined: openDuckDb's 1GB. */
  readonly memoryLimit: string | undefined;
  /** SLUICE_DUCKDB_THREADS: per database. Undefined: the cores. */
  readonly threads: number | undefined;
}

export interface DaemonConfig {
  /** SLUICE_DAEMON_PORT: `/metrics` and `/health`; 0 serves nothing. */
  readonly port: number;
  /** SLUICE_DAEMON_MAX_RUNS: run requests one daemon runs at once. */
  readonly maxRuns: number;
  /** SLUICE_DAEMON_HEARTBEAT_TTL_MS: without a heartbeat this long, a daemon counts as dead. */
  readonly heartbeatTtlMs: number;
  /** SLUICE_DAEMON_REQUEUE_LIMIT: times a dead daemon's request goes back to the queue. */
  readonly requeueLimit: number;
  /** SLUICE_DAEMON_SHUTDOWN_GRACE_MS: on SIGTERM, how long running requests may finish. */
  readonly shutdownGraceMs: number;
  /** SLUICE_DAEMON_POLL_MS: how often an idle daemon looks at the queue. */
  readonly pollMs: number;
  /** SLUICE_AUTOMATION_INTERVAL_MS: how often the assets' automation conditions are evaluated. */
  readonly automationIntervalMs: number;
  /** SLUICE_RUN_TAG_LIMITS as written (`warehouse:1,pool=gpu:2`); undefined: the project's. */
  readonly tagLimits: string | undefined;
  /** SLUICE_ALERT_WEBHOOK_URL: where alerts are POSTed, besides the log (and Kafka). */
  readonly alertWebhookUrl: string | undefined;
}

export interface UiConfig {
  /** HOST: the address to listen on; off loopback the UI needs `token`. */
  readonly host: string;
  /** PORT: 0 picks a free port. */
  readonly port: number;
  /** SLUICE_UI_TOKEN: the login token, required when `host` is not loopback. */
  readonly token: string | undefined;
}

/** The port each listening command takes when PORT is unset. */
export const DEFAULT_PORTS = { ui: 3000, serve: 8000 } as const;

export interface ServeConfig {
  /** HOST: the address to listen on. */
  readonly host: string;
  /** PORT (default 8000); 0 picks a free port. */
  readonly port: number;
  /** SLUICE_SERVE_TOKEN: bearer token of POST /v1/model/reload; unset, reload answers 403. */
  readonly token: string | undefined;
  /** SLUICE_SERVE_THREADS: onnxruntime intra-op threads per model session. */
  readonly threads: number;
  /** SLUICE_SERVE_BATCH_WORKERS: workers answering batches on other cores; 0 = the event loop. */
  readonly batchWorkers: number;
  /**
   * SLUICE_SERVE_POLL_MS: how often serve re-reads the champion without a notification (on
   * Postgres, besides LISTEN) or a model file for a change (--model).
   */
  readonly pollMs: number;
}

export interface S3LakeConfig {
  readonly bucket: string;
  /** Key prefix without leading or trailing slash; "" for the bucket's root. */
  readonly prefix: string;
  readonly endpoint: string | undefined;
  readonly region: string;
  readonly accessKey: string;
  readonly secretKey: string;
}

export interface KafkaConfig {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Put before every topic name (e.g. "staging."), so environments can share a cluster. */
  readonly topicPrefix: string;
  readonly retentionHours: number;
}

/** Reads and checks the configuration; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const present = Object.fromEntries(
    Object.entries(env).filter(([key, value]) =>
      key in schema.shape && value !== undefined && value !== ""
    ),
  );
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue.path[0]);
    // Connection strings carry passwords: name the variable, never echo its value.
    const secret = variable === "DATABASE_URL" || /SECRET|KEY_ID|TOKEN|WEBHOOK/.test(variable);
    const shown = secret ? "" : `=${JSON.stringify(env[variable] ?? "")}`;
    throw new ConfigError(
      `Invalid configuration: ${variable}${shown}: ${issue.message}`,
      variable,
    );
  }
  const value = parsed.data;
  const home = value.SLUICE_HOME;
  return {
    home,
    databaseUrl: value.DATABASE_URL,
    // An S3 lake still stages and caches files locally, under the home.
    lakeRoot: value.SLUICE_LAKE?.startsWith("s3://")
      ? `${home}/lake-cache`
      : value.SLUICE_LAKE?.replace(/^file:\/\//, "") ?? `${home}/lake`,
    concurrency: value.SLUICE_CONCURRENCY ?? navigator.hardwareConcurrency ?? 2,
    logLevel: value.SLUICE_LOG_LEVEL,
    logFormat: value.SLUICE_LOG_FORMAT,
    leaseTtlMs: value.SLUICE_LEASE_TTL_MS,
    lockWaitMs: value.SLUICE_LOCK_WAIT_MS,
    startAt: value.SLUICE_NOW,
    s3Lake: value.SLUICE_LAKE?.startsWith("s3://") ? s3LakeOf(value) : undefined,
    kafka: value.KAFKA_BROKERS === undefined ? undefined : {
      brokers: value.KAFKA_BROKERS.split(","),
      clientId: value.KAFKA_CLIENT_ID,
      topicPrefix: value.KAFKA_TOPIC_PREFIX,
      retentionHours: value.KAFKA_TOPIC_RETENTION_HOURS,
    },
    ui: { host: value.HOST, port: value.PORT ?? DEFAULT_PORTS.ui, token: value.SLUICE_UI_TOKEN },
    serve: {
      host: value.HOST,
      port: value.PORT ?? DEFAULT_PORTS.serve,
      token: value.SLUICE_SERVE_TOKEN,
      threads: value.SLUICE_SERVE_THREADS,
      batchWorkers: value.SLUICE_SERVE_BATCH_WORKERS,
      pollMs: value.SLUICE_SERVE_POLL_MS,
    },
    daemon: {
      port: value.SLUICE_DAEMON_PORT,
      maxRuns: value.SLUICE_DAEMON_MAX_RUNS,
      heartbeatTtlMs: value.SLUICE_DAEMON_HEARTBEAT_TTL_MS,
      requeueLimit: value.SLUICE_DAEMON_REQUEUE_LIMIT,
      shutdownGraceMs: value.SLUICE_DAEMON_SHUTDOWN_GRACE_MS,
      pollMs: value.SLUICE_DAEMON_POLL_MS,
      automationIntervalMs: value.SLUICE_AUTOMATION_INTERVAL_MS,
      tagLimits: value.SLUICE_RUN_TAG_LIMITS,
      alertWebhookUrl: value.SLUICE_ALERT_WEBHOOK_URL,
    },
    duckdb: { memoryLimit: value.SLUICE_DUCKDB_MEMORY_LIMIT, threads: value.SLUICE_DUCKDB_THREADS },
  };
}

/** A calendar date, a time and a zone (Z or ±hh:mm), as `2026-11-30T12:00:00Z`. */
function isIsoInstant(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/
    .exec(value);
  if (match === null || Number.isNaN(Date.parse(value))) return false;
  // Date.parse takes 2026-02-30 as March 2nd: the day must exist in its month.
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day;
}

function s3LakeOf(value: z.infer<typeof schema>): S3LakeConfig {
  const [bucket, ...rest] = value.SLUICE_LAKE!.slice("s3://".length).split("/");
  return {
    bucket,
    prefix: rest.join("/").replace(/^\/+|\/+$/g, ""),
    endpoint: value.S3_ENDPOINT,
    region: value.S3_REGION,
    accessKey: value.S3_ACCESS_KEY_ID!,
    secretKey: value.S3_SECRET_ACCESS_KEY!,
  };
}

/** The configuration of a command that needs Kafka; a ConfigError names KAFKA_BROKERS if unset. */
export function loadKafkaCommandConfig(
  env: Readonly<Record<string, string | undefined>>,
  purpose: string,
): Config & { readonly kafka: KafkaConfig } {
  const config = loadConfig(env);
  if (config.kafka === undefined) {
    throw new ConfigError(
      `Cannot ${purpose}: KAFKA_BROKERS is not set (e.g. KAFKA_BROKERS=localhost:9092)`,
      "KAFKA_BROKERS",
    );
  }
  return config as Config & { readonly kafka: KafkaConfig };
}
