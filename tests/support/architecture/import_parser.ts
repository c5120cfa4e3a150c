// Every module a file depends on, read from its syntax tree: static imports and re-exports,
// type-only imports, dynamic imports and `import("…")` types with a literal specifier, worker
// scripts, module augmentations and triple-slash references.
import ts from "typescript";
import { lineOf, type SourceFile } from "./source_file.ts";

/** How a file names another module; every kind is an arrow for the cycle and layering checks. */
export type ImportKind =
  | "import"
  | "import type"
  | "export from"
  | "dynamic import"
  | "import type expression"
  | "worker"
  | "declare module"
  | "reference";

/** One module specifier as written in a file, with where it was written. */
export interface ImportRef {
  readonly specifier: string;
  readonly kind: ImportKind;
  readonly line: number;
}

/** The module specifiers `source` names, in the order they appear. */
export function importsOf(source: SourceFile): readonly ImportRef[] {
  const found: ImportRef[] = source.referencedFiles.map((reference) => ({
    specifier: reference.fileName,
    kind: "reference",
    line: source.getLineAndCharacterOfPosition(reference.pos).line + 1,
  }));
  const visit = (node: ts.Node): void => {
    const ref = importAt(node);
    if (ref !== undefined) found.push(ref);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function importAt(node: ts.Node): ImportRef | undefined {
  if (ts.isImportDeclaration(node)) {
    return refOf(node.moduleSpecifier, isTypeOnly(node) ? "import type" : "import", node);
  }
  if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined) {
    return refOf(node.moduleSpecifier, "export from", node);
  }
  if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
    return refOf(node.moduleReference.expression, "import", node);
  }
  if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
    return refOf(node.arguments[0], "dynamic import", node);
  }
  if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
    return refOf(node.argument.literal, "import type expression", node);
  }
  if (ts.isModuleDeclaration(node) && ts.isStringLiteral(node.name)) {
    return refOf(node.name, "declare module", node);
  }
  if (ts.isNewExpression(node) && isNamed(node.expression, "Worker")) {
    return refOf(workerScript(node.arguments?.[0]), "worker", node);
  }
  return undefined;
}

/** `import type { A }` or `import { type A, type B }`: nothing of it exists at run time. */
function isTypeOnly(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (clause === undefined) return false;
  if (clause.isTypeOnly) return true;
  const bindings = clause.namedBindings;
  return clause.name === undefined && bindings !== undefined && ts.isNamedImports(bindings) &&
    bindings.elements.length > 0 && bindings.elements.every((element) => element.isTypeOnly);
}

/** `new URL("./x.ts", import.meta.url)` or `import.meta.resolve("./x.ts")`: the literal, if any. */
function workerScript(argument: ts.Expression | undefined): ts.Expression | undefined {
  if (argument === undefined) return undefined;
  if (
    ts.isNewExpression(argument) && isNamed(argument.expression, "URL") &&
    argument.arguments?.length === 2 && isImportMetaUrl(argument.arguments[1])
  ) {
    return argument.arguments[0];
  }
  if (
    ts.isCallExpression(argument) && ts.isPropertyAccessExpression(argument.expression) &&
    argument.expression.name.text === "resolve" && isImportMeta(argument.expression.expression)
  ) {
    return argument.arguments[0];
  }
  return undefined;
}

function refOf(
  specifier: ts.Node | undefined,
  kind: ImportKind,
  at: ts.Node,
): ImportRef | undefined {
  // A computed specifier cannot be followed statically; deno check still resolves the rest.
  if (specifier === undefined || !ts.isStringLiteralLike(specifier)) return undefined;
  return { specifier: specifier.text, kind, line: lineOf(at) };
}

function isNamed(expression: ts.Expression, name: string): boolean {
  return ts.isIdentifier(expression) && expression.text === name;
}

function isImportMeta(expression: ts.Expression): boolean {
  return ts.isMetaProperty(expression) && expression.keywordToken === ts.SyntaxKind.ImportKeyword;
}

function isImportMetaUrl(expression: ts.Expression): boolean {
  return ts.isPropertyAccessExpression(expression) && expression.name.text === "url" &&
    isImportMeta(expression.expression);
}
