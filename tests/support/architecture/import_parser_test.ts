import assert from "node:assert/strict";
import { importsOf } from "./import_parser.ts";
import { parseSource } from "./source_file.ts";

const imports = (text: string) => importsOf(parseSource(text));

Deno.test("importsOf() reads static imports, re-exports and side-effect imports with their lines", () => {
  assert.deepEqual(
    imports(`import { a } from "./a.ts";
import b from "../b.ts";
export * from "./c.ts";
export { d } from "./d.ts";
import "./e.ts";
export const f = 1;`),
    [
      { specifier: "./a.ts", kind: "import", line: 1 },
      { specifier: "../b.ts", kind: "import", line: 2 },
      { specifier: "./c.ts", kind: "export from", line: 3 },
      { specifier: "./d.ts", kind: "export from", line: 4 },
      { specifier: "./e.ts", kind: "import", line: 5 },
    ],
  );
});

Deno.test("importsOf() marks an import as type-only when nothing of it exists at run time", () => {
  assert.deepEqual(
    imports(`import type { A } from "./a.ts";
import { type B, type C } from "./b.ts";
import { type D, e } from "./d.ts";
export type { F } from "./f.ts";`).map((ref) => ref.kind),
    ["import type", "import type", "import", "export from"],
  );
});

Deno.test("importsOf() follows dynamic imports and import() types with a literal, not computed ones", () => {
  assert.deepEqual(
    imports(`const m = await import("./lazy.ts");
const n = await import(\`./template.ts\`);
const o = await import(name);
type T = import("./typed.ts").T;`),
    [
      { specifier: "./lazy.ts", kind: "dynamic import", line: 1 },
      { specifier: "./template.ts", kind: "dynamic import", line: 2 },
      { specifier: "./typed.ts", kind: "import type expression", line: 4 },
    ],
  );
});

Deno.test("importsOf() follows a worker script given as new URL(…, import.meta.url) or import.meta.resolve", () => {
  assert.deepEqual(
    imports(`const a = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
const b = new Worker(import.meta.resolve("./other_worker.ts"), { type: "module" });
const c = new Worker(new URL("./not_relative.ts", base));
const d = new URL("./data.json", import.meta.url);`),
    [
      { specifier: "./worker.ts", kind: "worker", line: 1 },
      { specifier: "./other_worker.ts", kind: "worker", line: 2 },
    ],
  );
});

Deno.test("importsOf() counts a module augmentation and a triple-slash reference", () => {
  assert.deepEqual(
    imports(`/// <reference path="./globals.d.ts" />
declare module "../runtime/resources.ts" {
  interface Resources { duckdb: unknown }
}`),
    [
      { specifier: "./globals.d.ts", kind: "reference", line: 1 },
      { specifier: "../runtime/resources.ts", kind: "declare module", line: 2 },
    ],
  );
});

Deno.test("importsOf() ignores import-like text in comments and strings", () => {
  assert.deepEqual(
    imports(`// import { a } from "./a.ts";
/* export * from "./b.ts"; */
const text = 'import c from "./c.ts"';
const sql = \`select * from x -- import("./d.ts")\`;`),
    [],
  );
});

Deno.test("importsOf() reads imports of a .tsx file", () => {
  const source = parseSource(
    `import { jsx } from "./jsx.ts";\nexport const Page = () => <div>{"import('./no.ts')"}</div>;`,
    "page.tsx",
  );
  assert.deepEqual(importsOf(source), [{ specifier: "./jsx.ts", kind: "import", line: 1 }]);
});
