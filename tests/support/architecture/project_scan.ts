// Reads the project from disk for the architecture test: every TypeScript and SQL file (not
// node_modules/, not dot folders such as .sluice/ and .git/), the imports between project files
// and the places that name schema `platform`.
import { posix } from "node:path";
import { type ImportKind, importsOf } from "./import_parser.ts";
import { type ImportMap, resolveImport } from "./import_resolution.ts";
import {
  mayNamePlatform,
  type PlatformMention,
  platformMentionsInSql,
  platformMentionsInStrings,
} from "./platform_mentions.ts";
import { parseSource } from "./source_file.ts";

/** One import of a project file by a project file. */
export interface ImportEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: ImportKind;
  readonly line: number;
}

/** A mention of schema `platform` in a file that may not name it. */
export interface PlatformOffence extends PlatformMention {
  readonly path: string;
}

export interface ProjectScan {
  /** Every TypeScript file, as a path relative to the root, sorted. */
  readonly modules: readonly string[];
  /** Every import between project files, in file and line order. */
  readonly edges: readonly ImportEdge[];
  /** Imports of project paths that do not exist (a moved worker script, say). */
  readonly missing: readonly ImportEdge[];
  readonly platformOffences: readonly PlatformOffence[];
}

const MODULE_FILE = /\.(ts|tsx|mts)$/;

/** Scans the project whose deno.json is in `root` (an absolute directory path). */
export async function scanProject(root: string): Promise<ProjectScan> {
  const files = await listFiles(root);
  const importMap = await readImportMap(root);
  const modules = files.filter((path) => MODULE_FILE.test(path));
  const edges: ImportEdge[] = [];
  const platformOffences: PlatformOffence[] = [];
  for (const path of files) {
    const text = await Deno.readTextFile(posix.join(root, path));
    if (path.endsWith(".sql")) {
      if (!mayNamePlatform(path)) {
        platformOffences.push(...platformMentionsInSql(text).map((m) => ({ path, ...m })));
      }
      continue;
    }
    const source = parseSource(text, path);
    for (const ref of importsOf(source)) {
      const to = resolveImport(path, ref.specifier, importMap);
      if (to !== undefined) edges.push({ from: path, to, kind: ref.kind, line: ref.line });
    }
    if (!mayNamePlatform(path)) {
      platformOffences.push(...platformMentionsInStrings(source).map((m) => ({ path, ...m })));
    }
  }
  const known = new Set(files);
  const missing = edges.filter((edge) => !known.has(edge.to) && !exists(posix.join(root, edge.to)));
  return { modules, edges, missing, platformOffences };
}

/** Project paths of every .ts, .tsx, .mts and .sql file below `root`, sorted. */
async function listFiles(root: string, dir = ""): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(posix.join(root, dir))) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const path = dir === "" ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory) found.push(...await listFiles(root, path));
    else if (entry.isFile && (MODULE_FILE.test(path) || path.endsWith(".sql"))) found.push(path);
  }
  return found.sort();
}

async function readImportMap(root: string): Promise<ImportMap> {
  const config = JSON.parse(await Deno.readTextFile(posix.join(root, "deno.json")));
  return config.imports ?? {};
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
