// Turns an engine's failure on a statement built from a SQL asset into a SqlError that names the
// file, line and column: the engine's position goes back through the wrapping, the rendered
// refs and the header to the character of the file it came from.
import { relative } from "node:path";
import { SqlError } from "../errors.ts";
import type { MappedSql } from "./mapped_sql.ts";
import type { SqlAssetSource, SqlFilePosition } from "./sql_engine.ts";

/** What an engine said about a statement: its message and where, if it said. */
export interface EngineFailure {
  /** The engine's message, e.g. `Binder Error: Referenced column "amout" not found`. */
  readonly message: string;
  /** A 0-based character offset into the statement. */
  readonly position: number | undefined;
}

/**
 * The SqlError for `failure` of `statement`, a statement that holds `query` (the query of
 * `source`) verbatim; `cause` is the driver's error.
 */
export function sqlErrorFor(
  source: SqlAssetSource,
  query: MappedSql,
  statement: string,
  failure: EngineFailure,
  cause: unknown,
): SqlError {
  return new SqlError(
    displayPath(source.path),
    positionOf(source, query, statement, failure.position),
    failure.message.split("\n").map((line) => line.trim()).filter(Boolean).join(" "),
    { cause },
  );
}

function positionOf(
  source: SqlAssetSource,
  query: MappedSql,
  statement: string,
  position: number | undefined,
): SqlFilePosition | undefined {
  const start = statement.indexOf(query.text);
  if (position === undefined || start === -1 || query.text.length === 0) return undefined;
  // A position in the wrapper's text (before or after the query) means the query's edge.
  const offset = Math.max(0, Math.min(position - start, query.text.length - 1));
  const origin = query.originOf(offset);
  return origin === undefined ? undefined : source.locate(origin);
}

/** The file as its user knows it: relative to the working directory when inside it. */
function displayPath(path: string): string {
  let cwd: string;
  try {
    cwd = Deno.cwd();
  } catch {
    return path;
  }
  const inside = relative(cwd, path);
  return inside === "" || inside.startsWith("..") || inside.startsWith("/") ? path : inside;
}
