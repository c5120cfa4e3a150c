// Any valid SQL file is a query an engine can wrap: trailing comments, semicolons and blank lines
// end at its last token, and a wrapper puts its own text on separate lines, so a `-- note` at the
// end never swallows a closing parenthesis. Every place that wraps user SQL goes through here.
import { SluiceError } from "../errors.ts";
import { MappedSql } from "./mapped_sql.ts";
import { opaqueAt } from "./sql_scanner.ts";

/** Where the one statement of a SQL text ends, or why it is not one statement. */
export type QueryExtent =
  | { readonly ok: true; readonly end: number }
  | { readonly ok: false; readonly problem: "empty" }
  /** `at` is the first token after the `;` that ended the first statement. */
  | { readonly ok: false; readonly problem: "several"; readonly at: number };

/**
 * The extent of the query in `sql`: it ends after its last token, before any trailing comments,
 * semicolons and white space; comments, literals and quoted identifiers are read as a scanner
 * reads them, so a `;` or `--` inside a string is not an end.
 */
export function queryExtent(sql: string): QueryExtent {
  let end = 0;
  let ended = false;
  let at = 0;
  while (at < sql.length) {
    const char = sql[at];
    const opaque = opaqueAt(sql, at);
    if (opaque?.kind === "comment" || /\s/.test(char)) {
      at = opaque?.end ?? at + 1;
      continue;
    }
    if (char === ";") {
      ended = end > 0;
      at++;
      continue;
    }
    if (ended) return { ok: false, problem: "several", at };
    at = opaque?.end ?? at + 1;
    end = at;
  }
  return end === 0 ? { ok: false, problem: "empty" } : { ok: true, end };
}

/** The query of `sql` without what trails it; throws when `sql` is not one statement. */
export function normalizeQuery(sql: MappedSql): MappedSql {
  const extent = queryExtent(sql.text);
  if (!extent.ok) {
    throw new SluiceError(
      extent.problem === "empty"
        ? `Cannot run SQL that holds no statement: ${preview(sql.text)}`
        : `Cannot run SQL with more than one statement (the second starts at '${
          preview(sql.text.slice(extent.at))
        }'): a query is one statement`,
    );
  }
  return sql.slice(0, extent.end);
}

/** `prefix`, the normalized query and `suffix`, each on its own line. */
export function wrapQuery(prefix: string, query: MappedSql, suffix: string): MappedSql {
  return MappedSql.concat([
    MappedSql.added(`${prefix}\n`),
    normalizeQuery(query),
    MappedSql.added(`\n${suffix}`),
  ]);
}

/** wrapQuery for SQL text that needs no map back to a file. */
export function wrapQueryText(prefix: string, query: string, suffix: string): string {
  return wrapQuery(prefix, MappedSql.of(query), suffix).text;
}

function preview(sql: string): string {
  const line = sql.trim().split("\n")[0];
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}
