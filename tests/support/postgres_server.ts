// Throwaway PostgreSQL servers for tests: a fresh cluster in a temp dir on a free loopback port.
// Also a CLI (`start` / `stop` / `status`) that keeps one running across test runs via a state file.

import { parseArgs } from "node:util";
import { isAlive, runCommand } from "./toolchain.ts";

/** A service the test harness started; Kafka and MinIO will implement the same shape. */
export interface TestService {
  /** Environment variables that point a client at the service. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export interface PostgresServer extends TestService {
  url: string;
  adminUrl?: string;
  port: number;
  /** Temp dir holding the data dir, the unix socket and the server log. */
  dir: string;
}

/** What the CLI records so that a later `stop` (possibly another process) can find the server. */
export interface PostgresState {
  url: string;
  port: number;
  dir: string;
  dataDir: string;
  binDir: string;
  osUser: string | null;
  pid: number | null;
  startedAt: string;
}

/** One file for all test services, keyed by service name, so Kafka and MinIO can join later. */
export type ServiceState = Record<string, unknown>;

export const STATE_FILE = new URL("../../.sluice/test-services.json", import.meta.url);
const SERVICE_NAME = "postgres";
const START_DEADLINE_MS = 30_000;
const PORT_ATTEMPTS = 3;

const run = runCommand;

/** Runs a Postgres binary as `osUser` (initdb and postgres refuse to run as root). */
function runAs(osUser: string | null, cmd: string, args: string[], cwd: string) {
  return osUser === null
    ? run(cmd, args, { cwd })
    : run("runuser", ["-u", osUser, "--", cmd, ...args], { cwd });
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

async function onPath(name: string): Promise<string | null> {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (dir && await isFile(`${dir}/${name}`)) return dir;
  }
  return null;
}

/** Finds a directory holding initdb, pg_ctl and postgres; newest Debian major version wins. */
export async function findPostgresBinDir(): Promise<string | null> {
  const override = Deno.env.get("SLUICE_PG_BIN");
  if (override) {
    if (await isFile(`${override}/initdb`)) return override;
    throw new Error(
      `SLUICE_PG_BIN=${override} has no initdb; point it at PostgreSQL's bin directory`,
    );
  }
  const candidates: string[] = [];
  try {
    const majors = [];
    for await (const e of Deno.readDir("/usr/lib/postgresql")) {
      if (e.isDirectory && /^\d+$/.test(e.name)) majors.push(Number(e.name));
    }
    majors.sort((a, b) => b - a).forEach((m) => candidates.push(`/usr/lib/postgresql/${m}/bin`));
  } catch {
    // No Debian layout; fall through to PATH.
  }
  const fromPath = await onPath("initdb");
  if (fromPath) candidates.push(fromPath);
  for (const dir of candidates) {
    if (await isFile(`${dir}/initdb`) && await isFile(`${dir}/pg_ctl`)) return dir;
  }
  return null;
}

function isRoot(): boolean {
  return Deno.uid() === 0;
}

/** Installs Debian's postgresql package; only possible as root, which CI machines are. */
async function installPostgres(): Promise<void> {
  if (!isRoot()) {
    throw new Error(
      "PostgreSQL server binaries not found. Install them (`sudo apt-get install -y postgresql`) " +
        "or set SLUICE_PG_BIN to the directory holding initdb.",
    );
  }
  console.error("postgres_server: no PostgreSQL binaries found; installing with apt-get …");
  for (const args of [["update"], ["install", "-y", "--no-install-recommends", "postgresql"]]) {
    const status = await new Deno.Command("apt-get", {
      args,
      env: { DEBIAN_FRONTEND: "noninteractive" },
      stdin: "null",
      stdout: "inherit", // Progress goes to stderr so the CLI's stdout stays `DATABASE_URL=...`.
      stderr: "inherit",
    }).spawn().status;
    if (!status.success) {
      throw new Error(
        `apt-get ${args.join(" ")} failed (exit ${status.code}); install postgresql by hand`,
      );
    }
  }
}

async function requireBinDir(): Promise<string> {
  const found = await findPostgresBinDir();
  if (found) return found;
  await installPostgres();
  const installed = await findPostgresBinDir();
  if (!installed) {
    throw new Error(
      "apt-get installed postgresql but no initdb was found under /usr/lib/postgresql",
    );
  }
  return installed;
}

async function userExists(name: string): Promise<boolean> {
  return (await run("id", ["-u", name])).code === 0;
}

/** The OS user that owns the cluster: null means "the current user" (already not root). */
async function clusterOsUser(): Promise<string | null> {
  if (!isRoot()) return null;
  if (await userExists("postgres")) return "postgres";
  const name = "sluice-pg";
  if (!(await userExists(name))) {
    const r = await run("useradd", [
      "--system",
      "--no-create-home",
      "--shell",
      "/usr/sbin/nologin",
      name,
    ]);
    if (r.code !== 0) {
      throw new Error(`could not create OS user ${name} for PostgreSQL: ${r.stderr.trim()}`);
    }
  }
  return name;
}

async function chownTo(path: string, osUser: string): Promise<void> {
  const uid = Number((await run("id", ["-u", osUser])).stdout.trim());
  const gid = Number((await run("id", ["-g", osUser])).stdout.trim());
  await Deno.chown(path, uid, gid);
}

/** Asks the kernel for a free port; a race with another process is handled by retrying the start. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function logTail(logFile: string, lines = 20): Promise<string> {
  try {
    const text = await Deno.readTextFile(logFile);
    return text.trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no server log)";
  }
}

async function initCluster(binDir: string, osUser: string | null, dir: string, dataDir: string) {
  const r = await runAs(osUser, `${binDir}/initdb`, [
    "-D",
    dataDir,
    "-U",
    "postgres",
    "--auth=trust",
    "--encoding=UTF8",
    "--no-locale",
    "--no-sync",
  ], dir);
  if (r.code !== 0) {
    throw new Error(`initdb failed (exit ${r.code}):\n${r.stderr.trim() || r.stdout.trim()}`);
  }
}

function serverOptions(port: number, socketDir: string): string {
  return [
    `-p ${port}`,
    "-c listen_addresses=127.0.0.1",
    `-c unix_socket_directories=${socketDir}`,
    // Test data is disposable: durability only costs time here.
    "-c fsync=off",
    "-c synchronous_commit=off",
    "-c full_page_writes=off",
    "-c max_connections=200",
  ].join(" ");
}

async function waitAcceptingConnections(
  binDir: string,
  port: number,
  logFile: string,
): Promise<void> {
  const deadline = Date.now() + START_DEADLINE_MS;
  while (Date.now() < deadline) {
    const r = await run(`${binDir}/pg_isready`, [
      "-h",
      "127.0.0.1",
      "-p",
      String(port),
      "-U",
      "postgres",
      "-t",
      "2",
    ]);
    if (r.code === 0) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(
    `PostgreSQL did not accept connections on 127.0.0.1:${port} within ${
      START_DEADLINE_MS / 1000
    }s.\n` +
      `Last server log lines (${logFile}):\n${await logTail(logFile)}`,
  );
}

async function readPid(dataDir: string): Promise<number | null> {
  try {
    const first = (await Deno.readTextFile(`${dataDir}/postmaster.pid`)).split("\n")[0];
    return Number(first) || null;
  } catch {
    return null;
  }
}

/** Starts the postmaster on a free port, retrying on another port if the chosen one was taken meanwhile. */
async function startOnFreePort(
  binDir: string,
  osUser: string | null,
  dir: string,
  dataDir: string,
): Promise<number> {
  const logFile = `${dir}/server.log`;
  let lastError = "";
  for (let attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
    const port = freePort();
    const r = await runAs(osUser, `${binDir}/pg_ctl`, [
      "start",
      "-D",
      dataDir,
      "-l",
      logFile,
      "-w",
      "-t",
      String(START_DEADLINE_MS / 1000),
      "-o",
      serverOptions(port, dir),
    ], dir);
    if (r.code === 0) {
      await waitAcceptingConnections(binDir, port, logFile);
      return port;
    }
    const tail = await logTail(logFile);
    lastError =
      `pg_ctl start failed (exit ${r.code}): ${r.stderr.trim()}\nLast server log lines (${logFile}):\n${tail}`;
    if (!/already in use|could not bind/i.test(tail)) break;
  }
  throw new Error(lastError);
}

async function stopCluster(
  binDir: string,
  osUser: string | null,
  dir: string,
  dataDir: string,
): Promise<void> {
  if (await isFile(`${dataDir}/postmaster.pid`)) {
    const r = await runAs(osUser, `${binDir}/pg_ctl`, [
      "stop",
      "-D",
      dataDir,
      "-m",
      "fast",
      "-w",
      "-t",
      "30",
    ], dir);
    if (r.code !== 0) {
      throw new Error(
        `pg_ctl stop failed (exit ${r.code}): ${r.stderr.trim()}; data left in ${dir}`,
      );
    }
  }
  await Deno.remove(dir, { recursive: true }).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
}

function urlFor(port: number): string {
  return `postgres://postgres@127.0.0.1:${port}/postgres`;
}

function serverHandle(state: PostgresState): PostgresServer {
  let stopped: Promise<void> | null = null;
  return {
    url: state.url,
    adminUrl: state.url, // `postgres` is the cluster's superuser; tests may create their own roles.
    port: state.port,
    dir: state.dir,
    env: { DATABASE_URL: state.url },
    stop() {
      stopped ??= stopCluster(state.binDir, state.osUser, state.dir, state.dataDir);
      return stopped;
    },
  };
}

/** Starts a fresh, disposable cluster; call `stop()` to shut it down and delete its files. */
export async function startPostgres(): Promise<PostgresServer> {
  return serverHandle(await startPostgresState());
}

async function startPostgresState(): Promise<PostgresState> {
  const binDir = await requireBinDir();
  const osUser = await clusterOsUser();
  // A user-specific TMPDIR may be unreadable to the postgres OS user; /tmp is world-traversable.
  const dir = await Deno.makeTempDir({ dir: osUser ? "/tmp" : undefined, prefix: "sluice-pg-" });
  const dataDir = `${dir}/data`;
  try {
    if (osUser) await chownTo(dir, osUser);
    await initCluster(binDir, osUser, dir, dataDir);
    const port = await startOnFreePort(binDir, osUser, dir, dataDir);
    return {
      url: urlFor(port),
      port,
      dir,
      dataDir,
      binDir,
      osUser,
      pid: await readPid(dataDir),
      startedAt: new Date().toISOString(),
    };
  } catch (e) {
    await stopCluster(binDir, osUser, dir, dataDir).catch(() => {});
    throw e;
  }
}

export async function readServiceState(): Promise<ServiceState> {
  try {
    return JSON.parse(await Deno.readTextFile(STATE_FILE));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return {};
    throw new Error(
      `cannot read ${STATE_FILE.pathname}: ${e}; delete it and stop stray servers by hand`,
    );
  }
}

export async function writeServiceState(state: ServiceState): Promise<void> {
  if (Object.keys(state).length === 0) {
    await Deno.remove(STATE_FILE).catch(() => {});
    return;
  }
  await Deno.mkdir(new URL(".", STATE_FILE), { recursive: true });
  await Deno.writeTextFile(STATE_FILE, JSON.stringify(state, null, 2) + "\n");
}

/** CLI `start`: leaves the server running and records it; refuses to start a second one. */
export async function startRecorded(): Promise<PostgresState> {
  const state = await readServiceState();
  const existing = state[SERVICE_NAME] as PostgresState | undefined;
  if (existing && await isRunning(existing)) return existing;
  // A server killed without a clean stop leaves its pid file behind: start a new one.
  const started = await startPostgresState();
  await writeServiceState({ ...state, [SERVICE_NAME]: started });
  return started;
}

/** Whether the recorded server's postmaster is still alive (its pid file names it). */
async function isRunning(state: PostgresState): Promise<boolean> {
  const pidFile = await Deno.readTextFile(`${state.dataDir}/postmaster.pid`).catch(() => "");
  const pid = Number(pidFile.split("\n")[0]);
  return Number.isInteger(pid) && pid > 0 && isAlive(pid);
}

/** CLI `stop`: stops the recorded server, if any; returns whether there was one. */
export async function stopRecorded(): Promise<boolean> {
  const state = await readServiceState();
  const existing = state[SERVICE_NAME] as PostgresState | undefined;
  if (!existing) return false;
  await serverHandle(existing).stop();
  delete state[SERVICE_NAME];
  await writeServiceState(state);
  return true;
}

async function main(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const command = positionals[0];
  if (command === "start") {
    const t0 = performance.now();
    const s = await startRecorded();
    console.error(
      `postgres_server: ready on port ${s.port} (${((performance.now() - t0) / 1000).toFixed(1)}s)`,
    );
    console.log(`DATABASE_URL=${s.url}`);
    return 0;
  }
  if (command === "stop") {
    const stopped = await stopRecorded();
    console.error(
      stopped ? "postgres_server: stopped" : "postgres_server: nothing recorded as running",
    );
    return 0;
  }
  if (command === "status") {
    const s = (await readServiceState())[SERVICE_NAME] as PostgresState | undefined;
    if (!s) {
      console.error("postgres_server: not running");
      return 1;
    }
    console.log(`DATABASE_URL=${s.url}`);
    return 0;
  }
  console.error("usage: deno run -A tests/support/postgres_server.ts start|stop|status");
  return 2;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (e) {
    console.error(`postgres_server: ${e instanceof Error ? e.message : e}`);
    Deno.exit(1);
  }
}
