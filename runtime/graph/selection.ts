// Asset selection: the `--select` language (`+key`, `key+`, `group:x`, `tag:x`, globs, unions)
// parsed once into a small immutable tree, then resolved against a graph into a set of keys.
import type { AssetKey } from "../definitions/asset_key.ts";
import { RequestError } from "../errors.ts";
import type { AssetGraph } from "./asset_graph.ts";

/** What a term names before `+` expands it. */
export type SelectionTarget =
  | { readonly kind: "all" }
  | { readonly kind: "key"; readonly key: string }
  | { readonly kind: "glob"; readonly pattern: string }
  | { readonly kind: "group"; readonly group: string }
  | { readonly kind: "tag"; readonly tag: string };

export interface SelectionTerm {
  readonly target: SelectionTarget;
  /** A leading `+`: add every upstream, transitively. */
  readonly upstream: boolean;
  /** A trailing `+`: add every downstream, transitively. */
  readonly downstream: boolean;
}

/** A union of terms, as written in `a, +b, group:c`. */
export interface Selection {
  readonly terms: readonly SelectionTerm[];
}

const KEY_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;
const GLOB_PATTERN = /^[a-z0-9_.*]+$/;
const NAME_PATTERN = /^[a-z0-9_.:=-]+$/i;
const EXPECTED_TERM =
  "expected 'key', '+key', 'key+', 'group:name', 'tag:name', '*' or a glob like 'bronze.*'";

export function parseSelection(text: string): Selection {
  const terms = text.split(",").map((raw) => parseTerm(raw.trim(), text));
  return Object.freeze({ terms: Object.freeze(terms) });
}

/**
 * The keys `include` selects minus those `exclude` selects, in topological order. An empty or
 * absent `include` selects every asset.
 */
export function resolveSelection(
  graph: AssetGraph,
  include: string | undefined,
  exclude?: string,
): Set<AssetKey> {
  const included = include === undefined || include.trim() === ""
    ? new Set(graph.order)
    : resolveParsed(graph, parseSelection(include));
  const excluded = exclude === undefined || exclude.trim() === ""
    ? new Set<AssetKey>()
    : resolveParsed(graph, parseSelection(exclude));
  return new Set(graph.order.filter((key) => included.has(key) && !excluded.has(key)));
}

/** The text form of a parsed selection, for logs and run records. */
export function formatSelection(selection: Selection): string {
  return selection.terms.map((term) =>
    `${term.upstream ? "+" : ""}${formatTarget(term.target)}${term.downstream ? "+" : ""}`
  ).join(",");
}

function parseTerm(term: string, text: string): SelectionTerm {
  if (term === "") {
    throw new RequestError(
      `Cannot parse selection '${text}': it has an empty term; ${EXPECTED_TERM}`,
    );
  }
  const upstream = term.startsWith("+");
  const downstream = term.endsWith("+") && term.length > 1;
  const body = term.slice(upstream ? 1 : 0, downstream ? -1 : undefined);
  const target = parseTarget(body);
  if (target === undefined) {
    throw new RequestError(`Cannot parse selection term '${term}': ${EXPECTED_TERM}`);
  }
  return Object.freeze({ target: Object.freeze(target), upstream, downstream });
}

function parseTarget(body: string): SelectionTarget | undefined {
  if (body === "*") return { kind: "all" };
  if (body.startsWith("group:")) {
    const group = body.slice("group:".length);
    return NAME_PATTERN.test(group) ? { kind: "group", group } : undefined;
  }
  if (body.startsWith("tag:")) {
    const tag = body.slice("tag:".length);
    return NAME_PATTERN.test(tag) ? { kind: "tag", tag } : undefined;
  }
  if (KEY_PATTERN.test(body)) return { kind: "key", key: body };
  if (body.includes("*") && GLOB_PATTERN.test(body)) return { kind: "glob", pattern: body };
  return undefined;
}

function formatTarget(target: SelectionTarget): string {
  switch (target.kind) {
    case "all":
      return "*";
    case "key":
      return target.key;
    case "glob":
      return target.pattern;
    case "group":
      return `group:${target.group}`;
    case "tag":
      return `tag:${target.tag}`;
  }
}

function resolveParsed(graph: AssetGraph, selection: Selection): Set<AssetKey> {
  const selected = new Set<AssetKey>();
  for (const term of selection.terms) {
    const matched = matchTarget(graph, term.target);
    const withUp = term.upstream ? graph.withAncestors(matched) : new Set(matched);
    const withDown = term.downstream ? graph.withDescendants(matched) : new Set<AssetKey>();
    for (const key of withUp) selected.add(key);
    for (const key of withDown) selected.add(key);
  }
  return selected;
}

function matchTarget(graph: AssetGraph, target: SelectionTarget): AssetKey[] {
  const assets = [...graph.assets()];
  switch (target.kind) {
    case "all":
      return assets.map((asset) => asset.key);
    case "key": {
      if (graph.has(target.key)) return [target.key];
      const keys = unique(assets.map((asset) => asset.key));
      throw new RequestError(
        `Cannot select '${target.key}': no such asset${suggest(target.key, keys)}`,
      );
    }
    case "glob": {
      const regex = globToRegExp(target.pattern);
      const matched = assets.filter((asset) => regex.test(asset.key)).map((asset) => asset.key);
      if (matched.length === 0) {
        throw new RequestError(
          `Cannot select '${target.pattern}': the pattern matches no asset key`,
        );
      }
      return matched;
    }
    case "group": {
      const matched = assets.filter((asset) => asset.group === target.group);
      if (matched.length === 0) {
        const groups = unique(assets.map((asset) => asset.group));
        throw new RequestError(
          `Cannot select 'group:${target.group}': no asset is in that group${
            suggest(target.group, groups)
          }`,
        );
      }
      return matched.map((asset) => asset.key);
    }
    case "tag": {
      const matched = assets.filter((asset) =>
        asset.tags.some((tag) => tagMatches(tag, target.tag))
      );
      if (matched.length === 0) {
        const tags = unique(assets.flatMap((asset) => asset.tags));
        throw new RequestError(
          `Cannot select 'tag:${target.tag}': no asset has that tag${suggest(target.tag, tags)}`,
        );
      }
      return matched.map((asset) => asset.key);
    }
  }
}

/** `tier` selects `tier` and any `tier=...`; `tier=gold` selects only `tier=gold`. */
function tagMatches(tag: string, wanted: string): boolean {
  if (tag === wanted) return true;
  return !wanted.includes("=") && tag.startsWith(`${wanted}=`);
}

// `*` may span dots, so `marts.*` also selects nested keys such as `marts.finance.revenue`.
function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replaceAll(".", "\\.").replaceAll("*", ".*");
  return new RegExp(`^${escaped}$`);
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

/** `; did you mean 'x'?` for the closest candidate, or a hint when nothing is close. */
function suggest(wanted: string, candidates: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(wanted, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  // A distant "closest" key is noise: only suggest one a few edits away.
  if (best !== undefined && bestDistance <= Math.max(2, Math.floor(wanted.length / 3))) {
    return `; did you mean '${best}'?`;
  }
  return candidates.length === 0
    ? "; the graph has none"
    : `; expected one of ${candidates.slice(0, 5).map((c) => `'${c}'`).join(", ")}${
      candidates.length > 5 ? ", ..." : ""
    }`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}
