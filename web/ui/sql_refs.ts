// Splits SQL text around its `ref('key')` calls (bare or wrapped in `{{ }}`), so a page can show
// each ref as a link to its asset. A display helper: the runtime's ref parser decides lineage.

export type SqlPiece =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "ref"; readonly text: string; readonly key: string };

const REF = /(\{\{\s*)?\bref\s*\(\s*(?:'([^']+)'|"([^"]+)")\s*\)(\s*\}\})?/g;

export function splitSqlRefs(sql: string): SqlPiece[] {
  const pieces: SqlPiece[] = [];
  let at = 0;
  for (const match of sql.matchAll(REF)) {
    const key = match[2] ?? match[3];
    if (match.index > at) pieces.push({ kind: "text", text: sql.slice(at, match.index) });
    pieces.push({ kind: "ref", text: match[0], key });
    at = match.index + match[0].length;
  }
  if (at < sql.length) pieces.push({ kind: "text", text: sql.slice(at) });
  return pieces;
}
