// A Python venv a bench runs its peer in, under ~/.cache/sluice-bench/<name>: created from a
// requirements file pinned exactly (every dependency listed, installed with --no-deps), and
// created again when the file changes.
import { homedir } from "node:os";
import { join } from "node:path";

/** The venv's python, made first if missing or made from another version of `requirements`. */
export async function ensureVenv(name: string, requirements: string): Promise<string> {
  const dir = join(homedir(), ".cache", "sluice-bench", name);
  const python = join(dir, "bin", "python");
  const marker = join(dir, "sluice-requirements.txt");
  const wanted = await Deno.readTextFile(requirements);
  if (await Deno.readTextFile(marker).catch(() => "") === wanted) return python;
  console.log(`creating ${dir} from ${requirements} ...`);
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await run("python3", ["-m", "venv", dir]);
  await run(python, ["-m", "pip", "install", "--quiet", "--no-deps", "-r", requirements]);
  await Deno.writeTextFile(marker, wanted);
  return python;
}

async function run(command: string, args: string[]): Promise<void> {
  const result = await new Deno.Command(command, { args, stdout: "null" }).output();
  if (!result.success) {
    throw new Error(
      `Cannot create the bench venv: '${command} ${args.join(" ")}' failed: ${
        new TextDecoder().decode(result.stderr)
      }`,
    );
  }
}
