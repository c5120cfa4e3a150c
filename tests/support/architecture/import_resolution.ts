// Which project file a module specifier names, as Deno resolves it: relative to the importing
// file, or through deno.json's import map when an entry points into the project.
import { posix } from "node:path";

/** deno.json's "imports": specifier (or prefix ending in `/`) to its target. */
export type ImportMap = Readonly<Record<string, string>>;

/**
 * The project path (posix, relative to the root) that `specifier` in file `from` names, or
 * undefined for a package (`npm:`, `node:`, a bare name mapped to one) and for absolute
 * `file:` URLs, which no project file should write. A path starting with `../` lies outside
 * the project.
 */
export function resolveImport(
  from: string,
  specifier: string,
  importMap: ImportMap = {},
): string | undefined {
  if (specifier.startsWith("./") || specifier.startsWith("../")) {
    return posix.normalize(posix.join(posix.dirname(from), specifier));
  }
  const mapped = mapSpecifier(specifier, importMap);
  if (mapped !== undefined && (mapped.startsWith("./") || mapped.startsWith("../"))) {
    return posix.normalize(mapped);
  }
  return undefined;
}

/** The import map's target for `specifier`: an exact entry, else the longest `prefix/` entry. */
function mapSpecifier(specifier: string, importMap: ImportMap): string | undefined {
  if (specifier in importMap) return importMap[specifier];
  const prefix = Object.keys(importMap)
    .filter((key) => key.endsWith("/") && specifier.startsWith(key))
    .sort((a, b) => b.length - a.length)[0];
  return prefix === undefined ? undefined : importMap[prefix] + specifier.slice(prefix.length);
}
