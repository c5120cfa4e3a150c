import assert from "node:assert/strict";
import { join } from "node:path";
import { scanProject } from "./project_scan.ts";

async function project(files: Record<string, string>): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "sluice_arch_" });
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(join(root, path, ".."), { recursive: true });
    await Deno.writeTextFile(join(root, path), text);
  }
  return root;
}

Deno.test("scanProject() reads every module's project imports and skips node_modules and dot folders", async () => {
  const root = await project({
    "deno.json": JSON.stringify({ imports: { zod: "npm:zod@4.6.7", "@rt/": "./runtime/" } }),
    "sluice.ts": `import "./cli/main.ts";`,
    "cli/main.ts": `import { z } from "zod";\nimport type { E } from "@rt/errors.ts";`,
    "runtime/errors.ts": `export type E = string;`,
    "ingest/day.ts": `const w = new Worker(new URL("./worker.ts", import.meta.url));`,
    "node_modules/pkg/index.ts": `import "../../cli/main.ts";`,
    ".sluice/scratch.ts": `import "../cli/main.ts";`,
    "README.md": `import "./cli/main.ts";`,
  });
  try {
    const scan = await scanProject(root);
    assert.deepEqual(scan.modules, [
      "cli/main.ts",
      "ingest/day.ts",
      "runtime/errors.ts",
      "sluice.ts",
    ]);
    assert.deepEqual(scan.edges, [
      { from: "cli/main.ts", to: "runtime/errors.ts", kind: "import type", line: 2 },
      { from: "ingest/day.ts", to: "ingest/worker.ts", kind: "worker", line: 1 },
      { from: "sluice.ts", to: "cli/main.ts", kind: "import", line: 1 },
    ]);
    assert.deepEqual(scan.missing, [
      { from: "ingest/day.ts", to: "ingest/worker.ts", kind: "worker", line: 1 },
    ]);
    assert.deepEqual(scan.platformOffences, []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("scanProject() reports schema platform in code and SQL outside the store and migrations", async () => {
  const root = await project({
    "deno.json": "{}",
    "runtime/store/run_store.ts": `const q = "select * from platform.runs";`,
    "runtime/execution/vacuum.ts": `const q = "delete from platform.runs";`,
    "sql/platform/0001_init.sql": `create table platform.runs (id text);`,
    "sql/gold/peek.sql": `-- platform.runs is not ours\nselect * from platform.runs`,
    "tests/store_test.ts": `const q = "select count(*) from platform.runs";`,
  });
  try {
    const scan = await scanProject(root);
    assert.deepEqual(scan.platformOffences, [
      { path: "runtime/execution/vacuum.ts", line: 1, excerpt: "delete from platform.runs" },
      { path: "sql/gold/peek.sql", line: 2, excerpt: "select * from platform.runs" },
    ]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
