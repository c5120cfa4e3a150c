// Where code names schema `platform` (the metadata store's) in SQL: in a TypeScript string or
// template literal, or in a SQL file. Only the store, its migrations, tests and benches may.
import ts from "typescript";
import { lineOf, type SourceFile } from "./source_file.ts";

/** One place that names a relation of schema `platform`. */
export interface PlatformMention {
  readonly line: number;
  /** The line of SQL or the string around the mention, shortened, for the report. */
  readonly excerpt: string;
}

/** Folders whose files may name schema `platform`: the store, its migrations, tests, benches. */
export const PLATFORM_OWNERS: readonly string[] = [
  "runtime/store/",
  "sql/platform/",
  "tests/",
  "bench/",
];

// `platform.runs`, `"platform".runs`, `platform."runs"`; not `data platform.` in prose, not
// `os.platform.x` or `my_platform.x`.
const PLATFORM_RELATION = /(?<![\w$.])"?platform"?\.["A-Za-z_]/i;

/** Whether the file at project path `path` may name schema `platform`. */
export function mayNamePlatform(path: string): boolean {
  return PLATFORM_OWNERS.some((folder) => path.startsWith(folder));
}

/** String and template literals of `source` that name a relation of schema `platform`. */
export function platformMentionsInStrings(source: SourceFile): readonly PlatformMention[] {
  const found: PlatformMention[] = [];
  const visit = (node: ts.Node): void => {
    const text = literalText(node);
    if (text !== undefined && PLATFORM_RELATION.test(probeOf(node, text))) {
      found.push({ line: lineOf(node), excerpt: excerptOf(text) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/**
 * Lines of a SQL file that name a relation of schema `platform` outside comments. A migration
 * that moves a table out of `platform` into its wing's schema (`to_regclass('platform.t')` and
 * `alter table platform.t set schema s`) is what the rule asks for, so that is not a mention.
 */
export function platformMentionsInSql(text: string): readonly PlatformMention[] {
  return blank(withoutSqlComments(text), MOVES_OUT_OF_PLATFORM).split("\n").flatMap((line, index) =>
    PLATFORM_RELATION.test(line) ? [{ line: index + 1, excerpt: excerptOf(line) }] : []
  );
}

const MOVES_OUT_OF_PLATFORM = [
  /\bto_regclass\s*\(\s*'"?platform"?\.[^']*'\s*\)/gi,
  /\balter\s+table\s+(if\s+exists\s+)?"?platform"?\.[\w"]+\s+set\s+schema\s+[\w"]+/gi,
];

function literalText(node: ts.Node): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
    return node.text;
  }
  return undefined;
}

/** The text to test: a substitution right after the dot names the relation (`platform.${t}`). */
function probeOf(node: ts.Node, text: string): string {
  return ts.isTemplateHead(node) || ts.isTemplateMiddle(node) ? `${text}_` : text;
}

/** Blanks `-- …` and `/* … *\/` comments (SQL headers describe, they do not query), keeping lines. */
function withoutSqlComments(text: string): string {
  return blank(text, [/--[^\n]*|\/\*[\s\S]*?\*\//g]);
}

/** `text` with every match of `patterns` replaced by spaces, so line numbers stay. */
function blank(text: string, patterns: readonly RegExp[]): string {
  return patterns.reduce(
    (result, pattern) => result.replace(pattern, (match) => match.replace(/[^\n]/g, " ")),
    text,
  );
}

function excerptOf(text: string): string {
  const match = PLATFORM_RELATION.exec(`${text}_`);
  const oneLine = text.replace(/\s+/g, " ").trim();
  if (oneLine.length <= 100 || match === null) return oneLine;
  const at = text.slice(0, match.index).replace(/\s+/g, " ").trimStart().length;
  const start = Math.max(0, at - 40);
  return `${start > 0 ? "…" : ""}${oneLine.slice(start, start + 100)}…`;
}
