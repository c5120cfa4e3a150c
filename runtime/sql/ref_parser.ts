// Finds the `ref('key')` calls in a SQL asset, the way dbt does, but with a real scanner: refs
// inside comments, string literals, quoted identifiers and dollar-quoted bodies do not count.
import { type AssetKey, assetKey } from "../definitions/asset_key.ts";
import { DefinitionError } from "../errors.ts";
import { lineOf, skipOpaque } from "./sql_scanner.ts";

/** One `ref()` call; `start`..`end` covers the whole call, including any `{{ }}` around it. */
export interface RefSpan {
  readonly key: AssetKey;
  readonly start: number;
  readonly end: number;
}

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
