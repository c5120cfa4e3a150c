// A throwaway S3 server for tests: MinIO built with `go install` from the Go module proxy (cached
// between runs), on free loopback ports, with generated credentials (SigV4) and one bucket.
import { ensureBucket, openS3Client } from "../../resources/s3/s3_client.ts";
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

/** MinIO's last source release on the module proxy (its tags are not semver: a pseudo-version). */
export const MINIO_MODULE = "github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c";
const START_TIMEOUT_MS = 60_000;
export const TEST_BUCKET = "sluice-test";

export interface S3State {
  readonly endpoint: string;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly bucket: string;
  readonly dir: string;
  readonly pid: number;
}

export interface S3Server {
  readonly state: S3State;
  /** Environment variables that point a test at this server. */
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

/** The MinIO binary, built once into the service cache (the module cache stays in GOPATH). */
export async function minioBinary(): Promise<string> {
  const bin = `${serviceCacheDir()}/bin`;
  const version = MINIO_MODULE.split("@")[1];
  const binary = `${bin}/minio-${version}`;
  try {
    if ((await Deno.stat(binary)).isFile) return binary;
  } catch {
    // Not built yet.
  }
  const go = await requireProgram("go", "golang-go");
  const gobin = await Deno.makeTempDir({ prefix: "sluice-minio-build-" });
  console.error(`s3_server: building MinIO (${MINIO_MODULE}) with go install; once, minutes …`);
  const out = await runCommand(go, ["install", MINIO_MODULE], {
    env: { GOBIN: gobin, CGO_ENABLED: "0", GOFLAGS: "-buildvcs=false" },
  });
  if (out.code !== 0) {
    throw new Error(
      `go install ${MINIO_MODULE} failed (exit ${out.code}):\n${
        out.stderr.trim().split("\n").slice(-15).join("\n")
      }`,
    );
  }
  await Deno.mkdir(bin, { recursive: true });
  // Renamed into place only when whole, so an interrupted build is never taken for a binary.
  await Deno.rename(`${gobin}/minio`, binary);
  await Deno.remove(gobin, { recursive: true });
  return binary;
}

function randomSecret(length: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return [...crypto.getRandomValues(new Uint8Array(length))]
    .map((b) => alphabet[b % alphabet.length]).join("");
}

/** Starts MinIO on a free port with fresh credentials and creates the test bucket. */
export async function startS3(): Promise<S3Server> {
  const binary = await minioBinary();
  const dir = await Deno.makeTempDir({ prefix: "sluice-minio-" });
  const port = freePort();
  const consolePort = freePort();
  const accessKey = `sluice${randomSecret(8)}`;
  const secretKey = randomSecret(32);
  const logFile = `${dir}/server.log`;
  const child = spawnServer(binary, [
    "server",
    `${dir}/data`,
    "--address",
    `127.0.0.1:${port}`,
    "--console-address",
    `127.0.0.1:${consolePort}`,
    "--quiet",
  ], {
    cwd: dir,
    logFile,
    env: {
      MINIO_ROOT_USER: accessKey,
      MINIO_ROOT_PASSWORD: secretKey,
      MINIO_BROWSER: "off",
      MINIO_UPDATE: "off",
    },
  });
  child.unref();
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitForPort(port, START_TIMEOUT_MS, () => isAlive(child.pid));
    await waitReady(endpoint);
  } catch (error) {
    await stopPid(child.pid, "SIGKILL");
    throw new Error(
      `MinIO did not start on ${endpoint}: ${(error as Error).message}\n` +
        `Last log lines (${logFile}):\n${await logTail(logFile)}`,
    );
  }
  await ensureBucket(
    openS3Client({ endpoint, accessKey, secretKey, region: "us-east-1" }),
    TEST_BUCKET,
  );
  const state: S3State = {
    endpoint,
    accessKey,
    secretKey,
    bucket: TEST_BUCKET,
    dir,
    pid: child.pid,
  };
  return {
    state,
    env: s3Env(state),
    stop: () => stopS3(state),
  };
}

export function s3Env(state: S3State): Record<string, string> {
  return {
    SLUICE_TEST_S3_ENDPOINT: state.endpoint,
    SLUICE_TEST_S3_ACCESS_KEY: state.accessKey,
    SLUICE_TEST_S3_SECRET_KEY: state.secretKey,
    SLUICE_TEST_S3_BUCKET: state.bucket,
  };
}

async function waitReady(endpoint: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${endpoint}/minio/health/ready`);
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // Not up yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`not ready within ${START_TIMEOUT_MS / 1000}s`);
}

export async function stopS3(state: S3State): Promise<void> {
  await stopPid(state.pid);
  await Deno.remove(state.dir, { recursive: true }).catch(() => {});
}
