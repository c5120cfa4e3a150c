// The architecture test's verdict on a scanned project: one line per problem, under a heading
// per rule, so one failing run lists everything there is to fix.
import { findCycles, formatCycle } from "./import_cycles.ts";
import { arrowProblem, placeProblem } from "./layering.ts";
import { PLATFORM_OWNERS } from "./platform_mentions.ts";
import type { ProjectScan } from "./project_scan.ts";

/** Every problem of `scan`; empty when the project keeps every rule. */
export function architectureProblems(scan: ProjectScan): readonly string[] {
  const graph = new Map<string, string[]>(scan.modules.map((path) => [path, []]));
  for (const edge of scan.edges) graph.get(edge.from)?.push(edge.to);
  const cycles = findCycles(graph).map(formatCycle);

  const places = scan.modules.flatMap((path) => placeProblem(path) ?? []);
  const arrows = [
    ...new Set(scan.edges.flatMap(({ from, to }) => {
      const problem = arrowProblem(from, to);
      return problem === undefined ? [] : [`${from} -> ${to} (${problem})`];
    })),
  ];
  const missing = scan.missing.map((edge) =>
    `${edge.from}:${edge.line} -> ${edge.to} (${edge.kind} of a file that does not exist)`
  );
  const platform = scan.platformOffences.map((offence) =>
    `${offence.path}:${offence.line}: ${offence.excerpt}`
  );

  return [
    ...section("Import cycles (cut one arrow of each)", cycles),
    ...section("Files outside the layering", places),
    ...section("Arrows against the layering", arrows),
    ...section("Imports of missing files", missing),
    ...section(
      `Schema platform named outside ${PLATFORM_OWNERS.join(", ")} (go through runtime/store/)`,
      platform,
    ),
  ];
}

function section(heading: string, lines: readonly string[]): string[] {
  return lines.length === 0 ? [] : [`${heading}:`, ...lines.map((line) => `  ${line}`)];
}
