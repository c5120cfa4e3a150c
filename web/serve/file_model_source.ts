// A ModelSource over two files: a TreeModel as JSON and its exported ONNX beside it (same name,
// extension .onnx). The version is derived from both files' bytes, so rewriting either one is a
// new version; a poll on a digest of their bytes signals the change (a size and mtime stamp
// missed a rewrite of the same size within the file system's timestamp tick). The poll hashes a
// file again only when its stat changed or its last change was too recent to rule out a rewrite
// inside the same tick: hashing the 358 KB model every second took about 1 ms of the event loop.
import { createHash } from "node:crypto";
import type { ModelSnapshot, ModelSource } from "./model_source.ts";
import { ModelLoadError } from "./serving_model.ts";
import { parseTreeModel } from "./tree_model_json.ts";

export interface FileModelSourceOptions {
  /** Poll period of watch(), in milliseconds. */
  readonly pollMs?: number;
  /** Wall-clock milliseconds, the clock of the files' timestamps (Date.now by default). */
  readonly now?: () => number;
}

/**
 * How long after a file's last change its stat alone proves it unchanged: any later write gets
 * a later ctime, which a timestamp tick (a few ms) or clock steps far below this cannot hide.
 */
export const SETTLED_AFTER_MS = 2000;

/** A file's last digest and the stat it was taken under. */
interface KnownDigest {
  readonly stat: string;
  readonly digest: string;
  /** The stat was already SETTLED_AFTER_MS old when the digest was taken. */
  readonly settled: boolean;
}

export class FileModelSource implements ModelSource {
  readonly modelPath: string;
  readonly onnxPath: string;
  readonly #pollMs: number;
  readonly #watchers = new Set<() => void>();
  readonly #now: () => number;
  readonly #known = new Map<string, KnownDigest>();
  #digests = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** A digest of both files' bytes as of the last current(). */
  #readStamp: string | undefined;

  constructor(modelPath: string, options: FileModelSourceOptions = {}) {
    this.modelPath = modelPath;
    this.onnxPath = onnxPathOf(modelPath);
    this.#pollMs = options.pollMs ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  /** Files hashed so far by polls and reads (a settled, unchanged file is not). */
  get digests(): number {
    return this.#digests;
  }

  async current(): Promise<ModelSnapshot | undefined> {
    // Stamped before reading: a write after this point differs from the stamp and polls again.
    this.#readStamp = await this.#stamp();
    const modelBytes = await readOrUndefined(this.modelPath);
    if (modelBytes === undefined) return undefined;
    const onnx = await readOrUndefined(this.onnxPath);
    if (onnx === undefined) {
      throw new ModelLoadError(
        `Cannot load ${this.modelPath} as its ONNX must be beside it at ${this.onnxPath}: ` +
          `the file is missing; export it with models/onnx_export.ts`,
      );
    }
    const model = parseTreeModel(this.modelPath, modelBytes);
    return { version: await versionOf(this.modelPath, modelBytes, onnx), model, onnx };
  }

  watch(onChange: () => void): () => void {
    const watcher = () => onChange();
    this.#watchers.add(watcher);
    if (this.#timer === undefined) {
      // A failed stat is seen again by the load it triggers, which reports it.
      this.#timer = setInterval(() => this.poll().catch(() => false), this.#pollMs);
      Deno.unrefTimer(this.#timer);
    }
    return () => {
      this.#watchers.delete(watcher);
      if (this.#watchers.size === 0 && this.#timer !== undefined) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    };
  }

  /**
   * Notifies the watchers when either file's bytes differ from what current() last read (or
   * current() never ran); returns whether it did.
   */
  async poll(): Promise<boolean> {
    const changed = (await this.#stamp()) !== this.#readStamp;
    if (changed) { for (const watcher of [...this.#watchers]) watcher(); }
    return changed;
  }

  async #stamp(): Promise<string> {
    return `${await this.#contentStamp(this.modelPath)}|${await this.#contentStamp(
      this.onnxPath,
    )}`;
  }

  /** The digest of a file's bytes, or "missing"; the last one when its stat proves it current. */
  async #contentStamp(path: string): Promise<string> {
    // Taken before the stat: any write after the stat has a ctime after this instant.
    const began = this.#now();
    const stat = await statOrUndefined(path);
    if (stat === undefined) return "missing";
    const key =
      `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtime?.getTime()}:${stat.ctime?.getTime()}`;
    const known = this.#known.get(path);
    if (known !== undefined && known.stat === key && known.settled) return known.digest;
    const bytes = await readOrUndefined(path);
    if (bytes === undefined) return "missing";
    this.#digests++;
    const digest = createHash("sha256").update(bytes).digest("hex");
    const changed = Math.max(stat.mtime?.getTime() ?? Infinity, stat.ctime?.getTime() ?? Infinity);
    this.#known.set(path, { stat: key, digest, settled: began - changed > SETTLED_AFTER_MS });
    return digest;
  }
}

/** `model.json` -> `model.onnx`; any other name gets `.onnx` appended. */
export function onnxPathOf(modelPath: string): string {
  return modelPath.endsWith(".json") ? `${modelPath.slice(0, -5)}.onnx` : `${modelPath}.onnx`;
}

async function versionOf(path: string, model: Uint8Array, onnx: Uint8Array): Promise<string> {
  const both = new Uint8Array(model.length + onnx.length);
  both.set(model);
  both.set(onnx, model.length);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", both));
  const hex = [...digest.slice(0, 6)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  const name = path.split("/").at(-1)!.replace(/\.json$/, "");
  return `${name}@${hex}`;
}

async function readOrUndefined(path: string): Promise<Uint8Array | undefined> {
  try {
    return await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

async function statOrUndefined(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}
