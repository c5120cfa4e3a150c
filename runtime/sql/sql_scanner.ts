// The lexical rules every reader of SQL text shares: where a comment, a string literal, a quoted
// identifier or a dollar-quoted body starts and ends, so nothing inside one is taken for code.

const IDENTIFIER_CHAR = /[A-Za-z0-9_$]/;
const DOLLAR_TAG = /\$([A-Za-z_][A-Za-z0-9_]*)?\$/y;

/** A stretch the scanner does not read into: a comment, or a literal or quoted identifier. */
export interface Opaque {
  readonly kind: "comment" | "literal";
  /** The index just after it (the end of the text when it is never closed). */
  readonly end: number;
}

/** The comment, literal or quoted identifier starting at `at`, or undefined. */
export function opaqueAt(sql: string, at: number): Opaque | undefined {
  const char = sql[at];
  const next = sql[at + 1];
  if (char === "-" && next === "-") return { kind: "comment", end: endOf(sql, "\n", at + 2) };
  if (char === "/" && next === "*") return { kind: "comment", end: skipBlockComment(sql, at) };
  if (char === "'") return { kind: "literal", end: skipQuoted(sql, at + 1, "'", false) };
  if (char === '"') return { kind: "literal", end: skipQuoted(sql, at + 1, '"', false) };
  if ((char === "E" || char === "e") && next === "'" && !precededByIdentifier(sql, at)) {
    return { kind: "literal", end: skipQuoted(sql, at + 2, "'", true) };
  }
  if (char === "$" && !precededByIdentifier(sql, at)) {
    DOLLAR_TAG.lastIndex = at;
    const tag = DOLLAR_TAG.exec(sql);
    if (tag) return { kind: "literal", end: endOf(sql, tag[0], at + tag[0].length) };
  }
  return undefined;
}

/** The index after a comment, literal or quoted identifier starting at `at`, or `at` itself. */
export function skipOpaque(sql: string, at: number): number {
  return opaqueAt(sql, at)?.end ?? at;
}

/** Whether the character before `at` belongs to an identifier (`myref(` is not `ref(`). */
export function precededByIdentifier(sql: string, at: number): boolean {
  return at > 0 && IDENTIFIER_CHAR.test(sql[at - 1]);
}

/** The 1-based line of index `at`. */
export function lineOf(sql: string, at: number): number {
  let line = 1;
  for (let i = 0; i < at; i++) if (sql[i] === "\n") line++;
  return line;
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
