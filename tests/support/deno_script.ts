// Runs one of the project's scripts (`sluice.ts`, `ingest.ts`, `generator/main.ts`) in its own
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

/** Waits for a spawned script and decodes its output. */
export async function finish(child: Deno.ChildProcess, began = performance.now()) {
  const output = await child.output();
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
