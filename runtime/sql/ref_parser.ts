// Finds the `ref('key')` calls in a SQL asset, the way dbt does, but with a real scanner: refs
// inside comments, string literals, quoted identifiers and dollar-quoted bodies do not count.
import { type AssetKey, assetKey } from "../definitions/asset_key.ts";
import { DefinitionError } from "../errors.ts";

/** One `ref()` call; `start`..`end` covers the whole call, including any `{{ }}` around it. */
export interface RefSpan {
  readonly key: AssetKey;
  readonly start: number;
  readonly end: number;
}

const IDENTIFIER_CHAR = /[A-Za-z0-9_$]/;
const DOLLAR_TAG = /\$([A-Za-z_][A-Za-z0-9_]*)?\$/y;
const REF_CALL = /ref\s*\(\s*(?:'([^']*)'|"([^"]*)")\s*\)/y;
const WRAPPED_REF_CALL = /\{\{\s*ref\s*\(\s*(?:'([^']*)'|"([^"]*)")\s*\)\s*\}\}/y;
const REF_OPEN = /ref\s*\(/y;

/** Every `ref()` in `sql`, in order. `file` names the source in errors. */
export function extractRefs(sql: string, file = "SQL text"): readonly RefSpan[] {
  const spans: RefSpan[] = [];
  let at = 0;
  while (at < sql.length) {
    const skipped = skipOpaque(sql, at);
    if (skipped !== at) {
      at = skipped;
      continue;
    }
    const span = matchRef(sql, at, file);
    if (span) {
      spans.push(span);
      at = span.end;
    } else {
      at++;
    }
  }
  return Object.freeze(spans);
}

/** `sql` with each span replaced by the relation its key maps to. */
export function renderRefs(
  sql: string,
  spans: readonly RefSpan[],
  relationFor: (key: AssetKey) => string,
): string {
  const ordered = [...spans].sort((a, b) => a.start - b.start);
  let out = "";
  let at = 0;
  for (const span of ordered) {
    out += sql.slice(at, span.start) + relationFor(span.key);
    at = span.end;
  }
  return out + sql.slice(at);
}

function matchRef(sql: string, at: number, file: string): RefSpan | undefined {
  const char = sql[at];
  if (char !== "r" && char !== "{") return undefined;
  // `myref(` and `schema.ref(` are other functions, not refs.
  if (char === "r" && at > 0 && /[A-Za-z0-9_$.]/.test(sql[at - 1])) return undefined;
  const pattern = char === "{" ? WRAPPED_REF_CALL : REF_CALL;
  pattern.lastIndex = at;
  const match = pattern.exec(sql);
  if (!match) {
    REF_OPEN.lastIndex = at;
    if (char === "r" && REF_OPEN.test(sql)) {
      throw new DefinitionError(
        `Cannot read the ref() at line ${
          lineOf(sql, at)
        } of ${file}: expected ref('key') with one quoted asset key`,
      );
    }
    return undefined;
  }
  const raw = match[1] ?? match[2];
  let key: AssetKey;
  try {
    key = assetKey(raw);
  } catch {
    throw new DefinitionError(
      `Cannot use ref('${raw}') at line ${
        lineOf(sql, at)
      } of ${file}: expected an asset key of dot-separated lowercase names like 'bronze.orders'`,
      raw,
    );
  }
  return Object.freeze({ key, start: at, end: at + match[0].length });
}

/** The index after a comment, literal or quoted identifier starting at `at`, or `at` itself. */
function skipOpaque(sql: string, at: number): number {
  const char = sql[at];
  const next = sql[at + 1];
  if (char === "-" && next === "-") return endOf(sql, "\n", at + 2);
  if (char === "/" && next === "*") return skipBlockComment(sql, at);
  if (char === "'") return skipQuoted(sql, at + 1, "'", false);
  if (char === '"') return skipQuoted(sql, at + 1, '"', false);
  if ((char === "E" || char === "e") && next === "'" && !precededByIdentifier(sql, at)) {
    return skipQuoted(sql, at + 2, "'", true);
  }
  if (char === "$" && !precededByIdentifier(sql, at)) {
    DOLLAR_TAG.lastIndex = at;
    const tag = DOLLAR_TAG.exec(sql);
    if (tag) return endOf(sql, tag[0], at + tag[0].length);
  }
  return at;
}

function skipBlockComment(sql: string, at: number): number {
  // Postgres block comments nest: `/* a /* b */ still a comment */`.
  let depth = 0;
  let i = at;
  while (i < sql.length) {
    if (sql.startsWith("/*", i)) {
      depth++;
      i += 2;
    } else if (sql.startsWith("*/", i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return sql.length;
}

function skipQuoted(sql: string, from: number, quote: string, backslashEscapes: boolean): number {
  let i = from;
  while (i < sql.length) {
    const char = sql[i];
    if (backslashEscapes && char === "\\") {
      i += 2;
    } else if (char === quote) {
      if (sql[i + 1] !== quote) return i + 1;
      i += 2;
    } else {
      i++;
    }
  }
  return sql.length;
}

/** The index just after the next `terminator` at or after `from`, or the end of the text. */
function endOf(sql: string, terminator: string, from: number): number {
  const found = sql.indexOf(terminator, from);
  return found === -1 ? sql.length : found + terminator.length;
}

function precededByIdentifier(sql: string, at: number): boolean {
  return at > 0 && IDENTIFIER_CHAR.test(sql[at - 1]);
}

function lineOf(sql: string, at: number): number {
  let line = 1;
  for (let i = 0; i < at; i++) if (sql[i] === "\n") line++;
  return line;
}
