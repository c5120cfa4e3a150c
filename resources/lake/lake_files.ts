// File helpers both lakes share: listing a location's files in a stable order and digesting
// them (after fsync) without holding them in memory.
import { createHash } from "node:crypto";
import { join } from "node:path";
import { RuntimeInvariantError } from "../../runtime/errors.ts";

/** Relative paths of every regular file under `dir`, '/'-separated and sorted by code unit. */
export async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(join(dir, prefix))) {
    const path = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory) files.push(...await listFiles(dir, path));
    else if (entry.isFile) files.push(path);
    else {
      throw new RuntimeInvariantError(
        `Cannot seal lake location '${dir}': '${path}' is not a regular file or directory; ` +
          `write plain files only`,
      );
    }
  }
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Fsyncs a file and streams it through SHA-256, so large Parquet files never sit in memory. */
export async function syncAndDigest(path: string): Promise<{ digest: string; size: number }> {
  const file = await Deno.open(path, { read: true });
  try {
    await file.sync();
  } catch (error) {
    file.close();
    throw error;
  }
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of file.readable) {
    hash.update(chunk);
    size += chunk.byteLength;
  }
  return { digest: hash.digest("hex"), size };
}

export async function statOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}
