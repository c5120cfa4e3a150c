// A long-running command's liveness, for container health checks: the command touches a file
// under SLUICE_HOME whenever it proves itself alive, and `--health` asks whether that was recent.
import { dirname, join } from "node:path";

/** Where `command` on this host records that it is alive. */
export function livenessFile(home: string, command: string): string {
  return join(home, "health", `${command}-${Deno.hostname()}`);
}

/**
 * Records that the command is alive now. Wall-clock time, never SLUICE_NOW's: `isAlive` reads the
 * file's mtime, which the file system stamps in real time, from another process.
 */
export async function touchLiveness(file: string): Promise<void> {
  await Deno.mkdir(dirname(file), { recursive: true });
  await Deno.writeTextFile(file, new Date().toISOString());
}

/** Whether the command recorded itself alive within `maxAgeMs`. */
export async function isAlive(file: string, maxAgeMs: number, now = new Date()): Promise<boolean> {
  try {
    const { mtime } = await Deno.stat(file);
    return mtime !== null && now.getTime() - mtime.getTime() <= maxAgeMs;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
