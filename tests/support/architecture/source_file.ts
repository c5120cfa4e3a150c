// One TypeScript module parsed by the TypeScript compiler's own parser, so comments, strings
// and template literals are told apart exactly as the compiler tells them apart.
import ts from "typescript";

/** A parsed module: the syntax tree of one .ts or .tsx file, without type information. */
export type SourceFile = ts.SourceFile;

/** Parses `text` as the module at `path`; `.tsx` files are parsed with JSX. */
export function parseSource(text: string, path = "module.ts"): SourceFile {
  const kind = path.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  return ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, kind);
}

/** The 1-based line of `node` in its file. */
export function lineOf(node: ts.Node): number {
  const source = node.getSourceFile();
  return source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
}
