// The real pipeline behind the UI, for browser tests and the UI bench: a fresh SLUICE_HOME with
// a generated day materialized by `sluice materialize`, and `sluice ui` started on it in its own
// process on a free port, as a user would run `deno task ui`.
import { runScript, scriptCommand } from "./deno_script.ts";
import { FIXED_NOW, FIXED_NOW_DATE } from "./fixed_now.ts";

export interface PipelineHome {
  /** SLUICE_HOME. */
  readonly home: string;
  /** The generated day, `YYYY-MM-DD` (the day before FIXED_NOW, UTC). */
  readonly day: string;
  /** The environment the pipeline's commands ran with (embedded store and lake). */
  readonly env: Record<string, string>;
  /** The run `materialize` made. */
  readonly runId: string;
  remove(): Promise<void>;
}

/** Yesterday in UTC: the day `generate` lands by default. */
export function yesterdayUtc(now = new Date()): string {
  return new Date(now.getTime() - 86_400_000).toISOString().slice(0, 10);
}

/** Runs a Sluice command in its own process; throws with its output when it fails. */
export async function sluice(env: Record<string, string>, ...args: string[]): Promise<string> {
  const result = await runScript("sluice.ts", args, env);
  if (result.code !== 0) {
    throw new Error(
      `sluice ${args.join(" ")} exited ${result.code}:\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

/**
 * A fresh home with `events` generated on the day before FIXED_NOW and every asset materialized;
 * its commands (the UI's too) run with SLUICE_NOW=FIXED_NOW, so the days do not depend on today.
 */
export async function preparePipelineHome(events: number): Promise<PipelineHome> {
  const home = await Deno.makeTempDir({ prefix: "sluice-ui-home-" });
  const day = yesterdayUtc(FIXED_NOW_DATE);
  const env = baseEnv(home);
  await sluice(env, "generate", "--events", String(events), "--start", day);
  const report = await sluice(env, "materialize");
  const runId = report.match(/^Run (\S+) succeeded/m)?.[1];
  if (runId === undefined) throw new Error(`materialize did not report its run:\n${report}`);
  return { home, day, env, runId, remove: () => Deno.remove(home, { recursive: true }) };
}

/**
 * The environment of a command on `home` alone, its clock pinned to FIXED_NOW: no server
 * settings leak in from ours.
 */
export function baseEnv(home: string): Record<string, string> {
  return {
    PATH: Deno.env.get("PATH") ?? "",
    HOME: Deno.env.get("HOME") ?? "/tmp",
    ...(Deno.env.get("DENO_DIR") && { DENO_DIR: Deno.env.get("DENO_DIR")! }),
    SLUICE_HOME: home,
    SLUICE_LOG_LEVEL: "warn",
    SLUICE_NOW: FIXED_NOW,
  };
}

export interface UiProcess {
  /** Where it listens: http://127.0.0.1:PORT. */
  readonly url: string;
  readonly child: Deno.ChildProcess;
  /** SIGTERM, then its exit code and output. */
  stop(): Promise<{ code: number; stdout: string; stderr: string }>;
}

const LISTENING = /Sluice UI on (http:\/\/\S+)/;

/** Starts `sluice ui` with `env` (PORT=0 unless set) and waits until it says where it listens. */
export async function startUiProcess(env: Record<string, string>): Promise<UiProcess> {
  const child = scriptCommand("sluice.ts", ["ui", "--observe-every", "0"], {
    PORT: "0",
    ...env,
  }).spawn();
  // Both streams are read to the end from the start, so the child never blocks on a full pipe.
  const stderr = new Response(child.stderr).text();
  const [forUrl, rest] = child.stdout.tee();
  const stdout = new Response(rest).text();
  const reader = forUrl.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  let url: string | undefined;
  while (url === undefined) {
    const { value, done } = await reader.read();
    if (done) {
      const { code } = await child.status;
      throw new Error(`sluice ui exited ${code} before listening:\n${seen}\n${await stderr}`);
    }
    seen += value;
    url = seen.match(LISTENING)?.[1];
  }
  void reader.cancel();
  return {
    url: url.replace("0.0.0.0", "127.0.0.1"),
    child,
    async stop() {
      child.kill("SIGTERM");
      const { code } = await child.status;
      return { code, stdout: await stdout, stderr: await stderr };
    },
  };
}
