// `deno task test`: starts the test services, runs `deno test` against them, always stops them,
// and ends with one machine-readable line, `N passed, N failed[, N skipped]`.

import { type PostgresServer, startPostgres } from "./postgres_server.ts";
import { provideBrowser, type StartedServices, startStreamingServices } from "./test_services.ts";

export interface TestSummary {
  passed: number;
  failed: number;
  ignored: number;
}

/** Flags of `deno test` that take a separate value, so the value is not mistaken for a path. */
const FLAGS_WITH_VALUE = new Set([
  "--filter",
  "--reporter",
  "--junit-path",
  "--seed",
  "--config",
  "-c",
  "--import-map",
  "--location",
  "--lock",
  "--cert",
  "--coverage",
]);

// Deno colors its output even when piped; the summary is parsed without the escapes.
// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** Reads the last summary line Deno prints, e.g. `FAILED | 10 passed (3 steps) | 2 failed | 1 ignored (2s)`. */
export function parseSummary(output: string): TestSummary | null {
  const lines = output.replace(ANSI, "").split("\n").map((l) => l.trim());
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i];
    if (!/^(ok|FAILED) \| \d+ passed/.test(line)) continue;
    const count = (label: string) =>
      Number(line.match(new RegExp(`\\| (\\d+) ${label}`))?.[1] ?? 0);
    return { passed: count("passed"), failed: count("failed"), ignored: count("ignored") };
  }
  return null;
}

export function formatSummary(s: TestSummary): string {
  const base = `${s.passed} passed, ${s.failed} failed`;
  return s.ignored > 0 ? `${base}, ${s.ignored} skipped` : base;
}

/** Appends `tests/` unless the caller already named what to test. */
export function testArgs(extra: string[]): string[] {
  const dashDash = extra.indexOf("--");
  const ours = dashDash === -1 ? extra : extra.slice(0, dashDash);
  let hasPath = false;
  for (let i = 0; i < ours.length; i++) {
    if (FLAGS_WITH_VALUE.has(ours[i])) i++;
    else if (!ours[i].startsWith("-")) hasPath = true;
  }
  if (hasPath) return ["test", "-A", ...extra];
  return dashDash === -1
    ? ["test", "-A", ...extra, "tests/"]
    : ["test", "-A", ...ours, "tests/", ...extra.slice(dashDash)];
}

/** Copies a child's stream to ours as it arrives, keeping a copy for parsing the summary. */
async function tee(source: ReadableStream<Uint8Array>, sink: typeof Deno.stdout): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of source) {
    let written = 0;
    while (written < chunk.length) written += await sink.write(chunk.subarray(written));
    text += decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}

function isCI(): boolean {
  return /^(true|1)$/i.test(Deno.env.get("CI") ?? "");
}

/** Either a server we own (and must stop) or a URL the caller provided; null when there is none. */
async function provideDatabase(): Promise<{ url: string; server?: PostgresServer } | null> {
  const given = Deno.env.get("SLUICE_TEST_DATABASE_URL");
  if (given) {
    console.error("run_tests: using SLUICE_TEST_DATABASE_URL from the environment");
    return { url: given };
  }
  const t0 = performance.now();
  try {
    const server = await startPostgres();
    const seconds = ((performance.now() - t0) / 1000).toFixed(1);
    console.error(`run_tests: PostgreSQL ready at ${server.url} (started in ${seconds}s)`);
    return { url: server.url, server };
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    if (isCI()) throw new Error(`PostgreSQL could not start, and CI=true requires it:\n${reason}`);
    const firstLine = reason.split("\n")[0];
    console.error(
      `run_tests: warning: PostgreSQL unavailable (${firstLine}); tests needing it will skip`,
    );
    return null;
  }
}

/**
 * Kafka and MinIO, unless the environment already points at them. A service that cannot start
 * fails the run under CI=true; elsewhere its tests skip with a note.
 */
async function provideStreaming(): Promise<StartedServices | null> {
  if (Deno.env.get("SLUICE_TEST_KAFKA_BROKERS") && Deno.env.get("SLUICE_TEST_S3_ENDPOINT")) {
    console.error("run_tests: using Kafka and S3 from the environment");
    return null;
  }
  const t0 = performance.now();
  const services = await startStreamingServices();
  for (const [name, why] of services.failures) {
    if (isCI()) {
      await services.stop();
      throw new Error(`${name} could not start, and CI=true requires it:\n${why}`);
    }
    console.error(
      `run_tests: warning: ${name} unavailable (${why.split("\n")[0]}); its tests skip`,
    );
  }
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  console.error(`run_tests: Kafka and MinIO started in ${seconds}s`);
  return services;
}

async function runDenoTest(
  args: string[],
  databaseUrl: string | null,
  serviceEnv: Record<string, string>,
  onChild: (c: Deno.ChildProcess) => void,
) {
  const env: Record<string, string> = { ...serviceEnv };
  if (databaseUrl) env.SLUICE_TEST_DATABASE_URL = databaseUrl;
  // Deno.execPath() is the running binary, whether installed globally or fetched by npx.
  const child = new Deno.Command(Deno.execPath(), {
    args,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  onChild(child);
  const [out] = await Promise.all([tee(child.stdout, Deno.stdout), tee(child.stderr, Deno.stderr)]);
  return { status: await child.status, output: out };
}

async function main(): Promise<number> {
  let child: Deno.ChildProcess | null = null;
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    try {
      child?.kill("SIGTERM");
    } catch {
      // Already exited.
    }
  };
  for (const sig of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(sig, onSignal);

  let summary: TestSummary = { passed: 0, failed: 1, ignored: 0 };
  let code = 1;
  let db: Awaited<ReturnType<typeof provideDatabase>> = null;
  let streaming: StartedServices | null = null;
  let lastOutput = "";
  try {
    db = await provideDatabase();
    streaming = await provideStreaming();
    const browser = await provideBrowser();
    if ("failure" in browser) {
      if (isCI()) {
        throw new Error(
          `the UI tests' browser is missing, and CI=true requires it:\n${browser.failure}`,
        );
      }
      console.error(`run_tests: warning: no browser (${browser.failure}); browser tests skip`);
    }
    if (interrupted) throw new Error("interrupted before tests started");
    const args = testArgs(Deno.args);
    const { status, output } = await runDenoTest(
      args,
      db?.url ?? null,
      streaming?.env ?? {},
      (c) => (child = c),
    );
    // No summary means deno test died before reporting (type error, no test modules, a signal).
    summary = parseSummary(output) ?? { passed: 0, failed: status.success ? 0 : 1, ignored: 0 };
    code = status.code;
    lastOutput = output;
  } catch (e) {
    console.error(`run_tests: ${e instanceof Error ? e.message : e}`);
  } finally {
    await streaming?.stop().catch((e) => {
      console.error(
        `run_tests: could not stop Kafka or MinIO: ${e instanceof Error ? e.message : e}`,
      );
    });
    await db?.server?.stop().catch((e) => {
      console.error(`run_tests: could not stop PostgreSQL: ${e instanceof Error ? e.message : e}`);
    });
  }
  // An interrupted test leaves a half-written line; the summary must stand on its own line.
  if (lastOutput && !lastOutput.endsWith("\n")) console.log();
  console.log(formatSummary(summary));
  return interrupted ? 130 : code;
}

if (import.meta.main) Deno.exit(await main());
