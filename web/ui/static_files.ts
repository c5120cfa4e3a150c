// The UI's own scripts, styles and icon, read once at start-up from web/ui/static/ and served
// from memory with a content hash: pages link `?v=<hash>` so a browser caches each version for
// good and never holds a stale one. Nothing comes from a CDN; the UI works offline.
import { createHash } from "node:crypto";

export interface StaticFile {
  readonly body: Uint8Array<ArrayBuffer>;
  readonly contentType: string;
  readonly hash: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

export class StaticFiles {
  readonly #files: ReadonlyMap<string, StaticFile>;

  private constructor(files: ReadonlyMap<string, StaticFile>) {
    this.#files = files;
  }

  /** Reads every file of `dir` (synchronously: a handful of small files, once). */
  static load(dir: URL = new URL("./static/", import.meta.url)): StaticFiles {
    const files = new Map<string, StaticFile>();
    for (const entry of Deno.readDirSync(dir)) {
      const type = CONTENT_TYPES[entry.name.slice(entry.name.lastIndexOf("."))];
      if (!entry.isFile || type === undefined) continue;
      const body = Deno.readFileSync(new URL(entry.name, dir));
      const hash = createHash("sha256").update(body).digest("hex").slice(0, 12);
      files.set(entry.name, { body, contentType: type, hash });
    }
    return new StaticFiles(files);
  }

  get(name: string): StaticFile | undefined {
    return this.#files.get(name);
  }

  /** The versioned URL of a file, e.g. `/static/graph.js?v=3f2a…`. */
  url(name: string): string {
    const file = this.#files.get(name);
    if (!file) throw new Error(`Cannot link static file '${name}': it is not in web/ui/static/`);
    return `/static/${name}?v=${file.hash}`;
  }
}
