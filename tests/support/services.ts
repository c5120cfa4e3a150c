// Test access to real services: the Postgres URL from SLUICE_TEST_DATABASE_URL (set by
// `deno task test`) and a throwaway database per test, so tests never see each other's rows.
import postgres from "postgres";

export const DATABASE_URL_VARIABLE = "SLUICE_TEST_DATABASE_URL";

export type ServiceAvailability =
  | { readonly available: true; readonly url: string }
  | { readonly available: false; readonly reason: string };

/**
 * The admin URL of the test Postgres server. Without one, tests are skipped with a one-line note,
 * except under CI=true, where a missing service is an error the tests must report.
 */
export function postgresTestUrl(): ServiceAvailability {
  const url = Deno.env.get(DATABASE_URL_VARIABLE);
  if (url) return { available: true, url };
  return {
    available: false,
    reason:
      `${DATABASE_URL_VARIABLE} is not set: run 'deno task test', which starts Postgres, or export it`,
  };
}

export function isCI(): boolean {
  return /^(true|1)$/i.test(Deno.env.get("CI") ?? "");
}

/**
 * Options for Deno.test of a test that needs Postgres: ignored (with one note on stderr) when no
 * server is configured, except on CI, where the test runs and fails with the reason.
 */
export function needsPostgres(): { ignore: boolean } {
  const service = postgresTestUrl();
  if (service.available || isCI()) return { ignore: false };
  noteOnce(`note: skipping Postgres tests: ${service.reason}`);
  return { ignore: true };
}

/** The admin URL, or a clear failure (on CI the tests run without a server and must fail). */
export function requirePostgresUrl(): string {
  const service = postgresTestUrl();
  if (service.available) return service.url;
  throw new Error(`Cannot run a Postgres test: ${service.reason} (CI=true requires the service)`);
}

export interface FreshDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

/** Creates a uniquely named database on the test server; `drop()` removes it. */
export async function createFreshDatabase(adminUrl = requirePostgresUrl()): Promise<FreshDatabase> {
  const name = `sluice_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  await withAdmin(adminUrl, (sql) => sql.unsafe(`create database ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () =>
      withAdmin(adminUrl, (sql) => sql.unsafe(`drop database if exists ${name} with (force)`)),
  };
}

/** Runs `fn` with the URL of a fresh database and drops the database afterwards. */
export async function withFreshDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const database = await createFreshDatabase();
  try {
    return await fn(database.url);
  } finally {
    await database.drop();
  }
}

async function withAdmin(
  adminUrl: string,
  fn: (sql: postgres.Sql) => Promise<unknown>,
): Promise<void> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await fn(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

const noted = new Set<string>();

function noteOnce(line: string): void {
  if (noted.has(line)) return;
  noted.add(line);
  console.error(line);
}

/** Options for Deno.test of a test that needs the test Kafka broker (as needsPostgres). */
export function needsKafka(): { ignore: boolean } {
  return needsVariables("Kafka", ["SLUICE_TEST_KAFKA_BROKERS"]);
}

/** Options for Deno.test of a test that needs the test S3 server (as needsPostgres). */
export function needsS3(): { ignore: boolean } {
  return needsVariables("S3", [
    "SLUICE_TEST_S3_ENDPOINT",
    "SLUICE_TEST_S3_ACCESS_KEY",
    "SLUICE_TEST_S3_SECRET_KEY",
    "SLUICE_TEST_S3_BUCKET",
  ]);
}

function needsVariables(service: string, names: readonly string[]): { ignore: boolean } {
  const missing = names.filter((name) => !Deno.env.get(name));
  if (missing.length === 0 || isCI()) return { ignore: false };
  noteOnce(
    `note: skipping ${service} tests: ${missing.join(", ")} not set; run 'deno task test', ` +
      "which starts the test services, or 'deno task services:start'",
  );
  return { ignore: true };
}

/** The value of a test service variable; on CI without it, a clear failure. */
export function requireTestVariable(name: string): string {
  const value = Deno.env.get(name);
  if (value) return value;
  throw new Error(
    `${name} is not set: the test service did not start (CI=true requires it); run 'deno task test'`,
  );
}

/** The test S3 server's settings, for openS3Client. */
export function testS3Settings() {
  return {
    endpoint: requireTestVariable("SLUICE_TEST_S3_ENDPOINT"),
    region: "us-east-1",
    accessKey: requireTestVariable("SLUICE_TEST_S3_ACCESS_KEY"),
    secretKey: requireTestVariable("SLUICE_TEST_S3_SECRET_KEY"),
  };
}
