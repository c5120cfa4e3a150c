import assert from "node:assert/strict";
import { architectureProblems } from "./architecture_report.ts";
import type { ProjectScan } from "./project_scan.ts";

const clean: ProjectScan = {
  modules: ["cli/main.ts", "runtime/errors.ts"],
  edges: [{ from: "cli/main.ts", to: "runtime/errors.ts", kind: "import", line: 1 }],
  missing: [],
  platformOffences: [],
};

Deno.test("architectureProblems() is empty for a project that keeps every rule", () => {
  assert.deepEqual(architectureProblems(clean), []);
});

Deno.test("architectureProblems() lists each problem once under its rule's heading", () => {
  const scan: ProjectScan = {
    modules: [
      "runtime/definitions/asset.ts",
      "runtime/definitions/context.ts",
      "runtime/graph/graph.ts",
      "resources/config.ts",
      "scratch.ts",
    ],
    edges: [
      {
        from: "runtime/definitions/asset.ts",
        to: "runtime/definitions/context.ts",
        kind: "import type",
        line: 3,
      },
      {
        from: "runtime/definitions/context.ts",
        to: "runtime/definitions/asset.ts",
        kind: "import type",
        line: 2,
      },
      { from: "runtime/graph/graph.ts", to: "resources/config.ts", kind: "import", line: 4 },
      { from: "runtime/graph/graph.ts", to: "resources/config.ts", kind: "import type", line: 5 },
      { from: "resources/config.ts", to: "resources/gone.ts", kind: "worker", line: 9 },
    ],
    missing: [{ from: "resources/config.ts", to: "resources/gone.ts", kind: "worker", line: 9 }],
    platformOffences: [{
      path: "resources/config.ts",
      line: 7,
      excerpt: "select * from platform.runs",
    }],
  };
  assert.deepEqual(architectureProblems(scan), [
    "Import cycles (cut one arrow of each):",
    "  runtime/definitions/asset.ts -> runtime/definitions/context.ts -> runtime/definitions/asset.ts",
    "Files outside the layering:",
    "  scratch.ts is in no area of the layering: put it in an existing folder, or add its folder to tests/support/architecture/layering.ts",
    "Arrows against the layering:",
    "  runtime/graph/graph.ts -> resources/config.ts (area runtime/ may not import area resources/)",
    "Imports of missing files:",
    "  resources/config.ts:9 -> resources/gone.ts (worker of a file that does not exist)",
    "Schema platform named outside runtime/store/, sql/platform/, tests/, bench/ (go through runtime/store/):",
    "  resources/config.ts:7: select * from platform.runs",
  ]);
});
