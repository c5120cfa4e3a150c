// The CLI's selection syntax evaluated over the UI's graph: `key`, `+key`, `key+`, `group:x`,
// `tag:x`, globs such as `bronze.*`, `*`, and unions with commas. The lead may swap in the
// runtime's parser; the meaning is the same (see runtime selection in the README).
import { UiRequestError } from "./errors.ts";
import { type GraphIndex, reachable } from "./graph_index.ts";

type Target =
  | { readonly kind: "all" }
  | { readonly kind: "key"; readonly key: string }
  | { readonly kind: "glob"; readonly pattern: RegExp; readonly text: string }
  | { readonly kind: "group"; readonly group: string }
  | { readonly kind: "tag"; readonly tag: string };

interface Term {
  readonly text: string;
  readonly target: Target;
  readonly upstream: boolean;
  readonly downstream: boolean;
}

const KEY_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;
const GLOB_PATTERN = /^[a-z0-9_.*]+$/;
const NAME_PATTERN = /^[a-z0-9_.:=-]+$/i;
const EXPECTED_TERM =
  "expected 'key', '+key', 'key+', 'group:name', 'tag:name', '*' or a glob like 'bronze.*'";

/** The positions of the nodes `text` selects, ascending. Throws UiRequestError when it is bad. */
export function evaluateSelection(graph: GraphIndex, text: string): number[] {
  if (text.trim() === "") {
    throw new UiRequestError(`Cannot select with an empty selection: ${EXPECTED_TERM}`);
  }
  // Parse every term before resolving any, so a syntax error is reported as such.
  const terms = text.split(",").map((raw) => parseTerm(raw.trim(), text));
  const selected = new Set<number>();
  for (const term of terms) {
    const matched = matchTarget(graph, term);
    const withUp = term.upstream ? reachable(graph.upstreams, matched) : new Set(matched);
    for (const i of withUp) selected.add(i);
    if (term.downstream) { for (const i of reachable(graph.downstreams, matched)) selected.add(i); }
  }
  return [...selected].sort((a, b) => a - b);
}

function parseTerm(term: string, text: string): Term {
  if (term === "") {
    throw new UiRequestError(
      `Cannot parse selection '${text}': it has an empty term; ${EXPECTED_TERM}`,
    );
  }
  const upstream = term.startsWith("+");
  const downstream = term.endsWith("+") && term.length > 1;
  const body = term.slice(upstream ? 1 : 0, downstream ? -1 : undefined);
  const target = parseTarget(body);
  if (target === undefined) {
    throw new UiRequestError(`Cannot parse selection term '${term}': ${EXPECTED_TERM}`);
  }
  return { text: term, target, upstream, downstream };
}

function parseTarget(body: string): Target | undefined {
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
  if (body.includes("*") && GLOB_PATTERN.test(body)) {
    // `*` may span dots, so `marts.*` also selects `marts.finance.revenue`.
    const pattern = new RegExp(`^${body.replaceAll(".", "\\.").replaceAll("*", ".*")}$`);
    return { kind: "glob", pattern, text: body };
  }
  return undefined;
}

function matchTarget(graph: GraphIndex, term: Term): number[] {
  const { nodes } = graph;
  const target = term.target;
  const positions = (keep: (i: number) => boolean) => nodes.flatMap((_, i) => keep(i) ? [i] : []);
  switch (target.kind) {
    case "all":
      return nodes.map((_, i) => i);
    case "key": {
      const i = graph.indexOf.get(target.key);
      if (i !== undefined) return [i];
      throw new UiRequestError(
        `Cannot select '${target.key}': no such asset${
          suggest(target.key, nodes.map((n) => n.key))
        }`,
      );
    }
    case "glob": {
      const matched = positions((i) => target.pattern.test(nodes[i].key));
      if (matched.length > 0) return matched;
      throw new UiRequestError(`Cannot select '${target.text}': the pattern matches no asset key`);
    }
    case "group": {
      const matched = positions((i) => nodes[i].group === target.group);
      if (matched.length > 0) return matched;
      throw new UiRequestError(
        `Cannot select 'group:${target.group}': no asset is in that group${
          suggest(target.group, nodes.map((n) => n.group))
        }`,
      );
    }
    case "tag": {
      const matched = positions((i) => nodes[i].tags.some((tag) => tagMatches(tag, target.tag)));
      if (matched.length > 0) return matched;
      throw new UiRequestError(
        `Cannot select 'tag:${target.tag}': no asset has that tag${
          suggest(target.tag, nodes.flatMap((n) => n.tags))
        }`,
      );
    }
  }
}

/** `tier` selects `tier` and any `tier=...`; `tier=gold` selects only `tier=gold`. */
function tagMatches(tag: string, wanted: string): boolean {
  if (tag === wanted) return true;
  return !wanted.includes("=") && tag.startsWith(`${wanted}=`);
}

/** `; did you mean 'x'?` for a candidate a few edits away, or a few of the candidates. */
function suggest(wanted: string, all: readonly string[]): string {
  const candidates = [...new Set(all)].sort();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    // Lengths far apart cannot be close; skipping them keeps 10,000 keys cheap.
    if (Math.abs(candidate.length - wanted.length) >= bestDistance) continue;
    const distance = editDistance(wanted, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
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
