import assert from "node:assert/strict";
import { resolveImport } from "./import_resolution.ts";

Deno.test("resolveImport() resolves a relative specifier against the importing file", () => {
  assert.equal(resolveImport("assets/bronze.ts", "./staging.ts"), "assets/staging.ts");
  assert.equal(
    resolveImport("runtime/execution/plan.ts", "../graph/asset_graph.ts"),
    "runtime/graph/asset_graph.ts",
  );
  assert.equal(resolveImport("sluice.ts", "./cli/main.ts"), "cli/main.ts");
  assert.equal(resolveImport("a/b.ts", "./c/../d.ts"), "a/d.ts");
});

Deno.test("resolveImport() leaves packages alone and marks paths outside the project", () => {
  assert.equal(resolveImport("assets/x.ts", "zod"), undefined);
  assert.equal(resolveImport("assets/x.ts", "npm:zod@4.6.7"), undefined);
  assert.equal(resolveImport("assets/x.ts", "node:path"), undefined);
  assert.equal(
    resolveImport("assets/x.ts", "hono/jsx", { "hono/": "npm:/hono@4.13.19/" }),
    undefined,
  );
  assert.equal(resolveImport("x.ts", "../outside.ts"), "../outside.ts");
});

Deno.test("resolveImport() follows an import map entry that points into the project", () => {
  const importMap = {
    "@runtime/": "./runtime/",
    "@runtime/graph/": "./runtime/graph/",
    "cfg": "./resources/config.ts",
  };
  assert.equal(resolveImport("web/ui/x.ts", "@runtime/errors.ts", importMap), "runtime/errors.ts");
  assert.equal(
    resolveImport("web/ui/x.ts", "@runtime/graph/selection.ts", importMap),
    "runtime/graph/selection.ts",
  );
  assert.equal(resolveImport("cli/main.ts", "cfg", importMap), "resources/config.ts");
});
