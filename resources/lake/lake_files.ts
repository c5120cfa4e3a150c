// File helpers both lakes share: listing a location's files in a stable order and digesting
// them (after fsync) without holding them in memory.
import { createHash } from "node:crypto";
import { join } from "node:path";
import { RuntimeInvariantError } from "../../runtime/errors.ts";

/** Relative paths of every regular file under `dir`, '/'-separated and sorted by code unit. */
// deno-lint-ignore require-await -- kept async for callers; see listFilesSync
export async function listFiles(dir: string): Promise<string[]> {
  return listFilesSync(dir);
}

/**
 * listFiles() without a trip to the thread pool per directory: a location holds a few entries,
 * and listing them synchronously cost less than awaiting the listing (a no-op step's seal).
 */
export function listFilesSync(dir: string, prefix = ""): string[] {
  const files: string[] = [];
  for (const entry of Deno.readDirSync(join(dir, prefix))) {
    const path = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory) files.push(...listFilesSync(dir, path));
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

/** Files up to this size are digested in one synchronous read instead of a stream. */
const SMALL_FILE_BYTES = 64 * 1024;

/** Fsyncs a file and streams it through SHA-256, so large Parquet files never sit in memory. */
export async function syncAndDigest(path: string): Promise<{ digest: string; size: number }> {
  // Opening and reading a small file are quick and synchronous; only the fsync waits.
  const file = Deno.openSync(path, { read: true });
  let small: Uint8Array | undefined;
  try {
    await file.sync();
    const { size } = file.statSync();
    if (size <= SMALL_FILE_BYTES) small = readAllSync(file, size);
  } catch (error) {
    file.close();
    throw error;
  }
  const hash = createHash("sha256");
  if (small !== undefined) {
    file.close();
    return { digest: hash.update(small).digest("hex"), size: small.byteLength };
  }
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

/** The first `size` bytes of an open file (fewer if it is shorter now). */
function readAllSync(file: Deno.FsFile, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let read = 0;
  while (read < size) {
    const n = file.readSync(bytes.subarray(read));
    if (n === null || n === 0) break;
    read += n;
  }
  return bytes.subarray(0, read);
}
