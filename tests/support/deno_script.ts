// Runs one of the project's scripts (`sluice.ts` and its commands) in its own
// Deno process from the repository root, as a user would through `deno task`.
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface ScriptResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** The script as a command, for callers that spawn it and kill it. */
export function scriptCommand(
  script: string,
  args: readonly string[],
  env: Record<string, string>,
): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", script, ...args],
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

/** A script that runs longer than this is killed, so a hang fails its test instead of CI. */
const SCRIPT_TIMEOUT_MS = 180_000;

/** Waits for a spawned script and decodes its output; kills it after the timeout. */
export async function finish(child: Deno.ChildProcess, began = performance.now()) {
  const timer = setTimeout(() => {
    console.error(`deno_script: killing pid ${child.pid} after ${SCRIPT_TIMEOUT_MS / 1000} s`);
    child.kill("SIGKILL");
  }, SCRIPT_TIMEOUT_MS);
  const output = await child.output().finally(() => clearTimeout(timer));
  const text = new TextDecoder();
  return {
    code: output.code,
    stdout: text.decode(output.stdout),
    stderr: text.decode(output.stderr),
    ms: performance.now() - began,
  };
}

/** Runs the script to completion. */
export function runScript(
  script: string,
  args: readonly string[],
  env: Record<string, string>,
): Promise<ScriptResult> {
  const began = performance.now();
  return finish(scriptCommand(script, args, env).spawn(), began);
}
