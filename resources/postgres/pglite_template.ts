// A freshly initialised PGlite cluster kept as a tarball, so a new database loads it (~0.4 s)
// instead of running initdb in WebAssembly (2-4 s): made once a process, cached in the user's cache.
import { PGlite } from "@electric-sql/pglite";
import { dirname, join } from "node:path";
import denoConfig from "../../deno.json" with { type: "json" };

/** Names the cache file: a template is only valid for the PGlite build that made it. */
const TEMPLATE_KEY = `${
  denoConfig.imports["@electric-sql/pglite"].replace(/^npm:/, "").replace(/[^\w.@-]+/g, "_")
}-template-1`;

export interface PgliteTemplateOptions {
  /** Where the tarball is kept across processes; undefined keeps it in this process only. */
  readonly cacheFile?: string;
  /** Makes the tarball when no cached one can be read; a fresh in-memory cluster by default. */
  readonly make?: () => Promise<Blob>;
}

/** The tarball of a fresh cluster, made or read at most once per instance. */
export class PgliteTemplate {
  #tarball: Promise<Blob> | undefined;
  readonly #make: () => Promise<Blob>;

  constructor(private readonly options: PgliteTemplateOptions = {}) {
    this.#make = options.make ?? makeTemplateTarball;
  }

  tarball(): Promise<Blob> {
    this.#tarball ??= this.#read().catch((error) => {
      this.#tarball = undefined; // the next database tries again rather than keeping the failure
      throw error;
    });
    return this.#tarball;
  }

  /** Drops a tarball that failed to load, here and on disk, so the next one is made afresh. */
  async forget(): Promise<void> {
    this.#tarball = undefined;
    if (this.options.cacheFile === undefined) return;
    await Deno.remove(this.options.cacheFile).catch(() => {});
  }

  async #read(): Promise<Blob> {
    const file = this.options.cacheFile;
    if (file !== undefined) {
      try {
        const bytes = await Deno.readFile(file);
        // PGlite takes a malformed tarball for a gzip one and fails where no caller can catch it.
        if (isClusterTarball(bytes)) return new Blob([bytes]);
      } catch {
        // Absent or unreadable: make it below.
      }
    }
    const tarball = await this.#make();
    // A cache that cannot be written only costs the next process the making.
    if (file !== undefined) await writeAtomically(file, tarball).catch(() => {});
    return tarball;
  }
}

/** initdb's output as a tarball: a fresh in-memory cluster, checkpointed so a load needs no replay. */
export async function makeTemplateTarball(): Promise<Blob> {
  const pg = await PGlite.create();
  try {
    await pg.exec("CHECKPOINT");
    return await pg.dumpDataDir("none");
  } finally {
    await pg.close();
  }
}

/**
 * Whether `bytes` is a whole uncompressed tar (every header's checksum right) holding a cluster's
 * PG_VERSION and pg_control; a damaged file body is caught later, when Postgres fails to start.
 */
export function isClusterTarball(bytes: Uint8Array): boolean {
  const names = new Set<string>();
  let offset = 0;
  while (offset + 512 <= bytes.length) {
    const header = bytes.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break; // the end-of-archive blocks
    if (octal(header, 148, 8) !== checksum(header)) return false;
    names.add(text(header, 0, 100).replace(/^\/+/, ""));
    offset += 512 + Math.ceil(octal(header, 124, 12) / 512) * 512;
  }
  return offset <= bytes.length && names.has("PG_VERSION") && names.has("global/pg_control");
}

function text(bytes: Uint8Array, start: number, length: number): string {
  const field = bytes.subarray(start, start + length);
  const end = field.indexOf(0);
  return new TextDecoder().decode(end === -1 ? field : field.subarray(0, end));
}

function octal(bytes: Uint8Array, start: number, length: number): number {
  const digits = text(bytes, start, length).trim();
  return /^[0-7]+$/.test(digits) ? parseInt(digits, 8) : NaN;
}

/** The header's bytes summed with its own checksum field counted as spaces. */
function checksum(header: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
  return sum;
}

/** `$XDG_CACHE_HOME/sluice/…` or `~/.cache/sluice/…`; undefined when neither is known. */
export function defaultTemplateCacheFile(): string | undefined {
  let base: string | undefined;
  try {
    base = Deno.env.get("XDG_CACHE_HOME") ||
      (Deno.env.get("HOME") ? join(Deno.env.get("HOME")!, ".cache") : undefined);
  } catch {
    return undefined; // no permission to read the environment: keep the template in memory
  }
  return base === undefined ? undefined : join(base, "sluice", `${TEMPLATE_KEY}.tar`);
}

/** A reader sees the old file or the whole new one, never a part: write aside, then rename. */
async function writeAtomically(file: string, blob: Blob): Promise<void> {
  const dir = dirname(file);
  await Deno.mkdir(dir, { recursive: true });
  const temp = `${file}.${Deno.pid}.${crypto.randomUUID()}.tmp`;
  try {
    await Deno.writeFile(temp, new Uint8Array(await blob.arrayBuffer()));
    await Deno.rename(temp, file);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}

/** The template every new database of this process starts from. */
export const processTemplate: PgliteTemplate = new PgliteTemplate({
  cacheFile: defaultTemplateCacheFile(),
});

/**
 * A PGlite at `dataDir`, or in memory when undefined. A dir that already holds anything is opened
 * as PGlite opens it (never overwritten); a new or empty one, and a memory database, load the
 * template. Any failure on that path falls back to PGlite's own initdb.
 */
export async function createPglite(
  dataDir: string | undefined,
  template: PgliteTemplate = processTemplate,
): Promise<PGlite> {
  if (dataDir !== undefined && !(await isEmptyDir(dataDir))) return PGlite.create(dataDir);
  let tarball: Blob;
  try {
    tarball = await template.tarball();
  } catch {
    return PGlite.create(dataDir);
  }
  try {
    return await PGlite.create({ dataDir, loadDataDir: tarball });
  } catch {
    await template.forget();
    // The dir was empty, so all it holds now is what the failed load wrote.
    if (dataDir !== undefined) await emptyDir(dataDir);
    return PGlite.create(dataDir);
  }
}

async function isEmptyDir(dir: string): Promise<boolean> {
  try {
    for await (const _ of Deno.readDir(dir)) return false;
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return true;
    throw error;
  }
}

async function emptyDir(dir: string): Promise<void> {
  for await (const entry of Deno.readDir(dir)) {
    await Deno.remove(join(dir, entry.name), { recursive: true });
  }
}
