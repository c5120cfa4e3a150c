// The architecture of the whole project, checked from its source: no import cycle (type-only
// imports included), every arrow down the layering of DESIGN.md, and schema `platform` named
// only by the metadata store. The rules are in tests/support/architecture/layering.ts and
// platform_mentions.ts; tests/ and bench/ are checked for cycles only.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { architectureProblems } from "./support/architecture/architecture_report.ts";
import { scanProject } from "./support/architecture/project_scan.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

Deno.test("the project has no import cycle, imports only down its layers and leaves schema platform to the store", async () => {
  const scan = await scanProject(ROOT);
  assert.ok(scan.modules.length > 100, `expected the whole project, read ${scan.modules.length}`);
  const problems = architectureProblems(scan);
  assert.ok(problems.length === 0, `\n${problems.join("\n")}`);
});
