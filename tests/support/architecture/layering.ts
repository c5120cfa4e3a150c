// The layering of DESIGN.md as data: which top-level area may import which, and inside runtime/
// which stage may import which. Arrows point down; the few sideways arrows allowed are listed.

/** A top-level area of the project, named by its folder (or the one entry file). */
export type Area =
  | "cli"
  | "assets"
  | "schedules"
  | "web"
  | "ingest"
  | "models"
  | "generator"
  | "resources"
  | "contracts"
  | "runtime"
  | "tests"
  | "bench";

/** The areas from the top down; an area may import its own level's area only if listed below. */
const LEVELS: readonly (readonly Area[])[] = [
  // The one CLI and its composition root: builds the instance from everything else.
  ["cli"],
  // User code and apps: the pipeline's assets, its schedules and sensors, the Hono apps.
  ["assets", "schedules", "web"],
  // The wings: bronze pipelines, the model, the synthetic event source.
  ["ingest", "models", "generator"],
  // Clients: DuckDB, Postgres, lakes, Kafka.
  ["resources"],
  // The event contracts every wing and client agrees on.
  ["contracts"],
  // The engine.
  ["runtime"],
];

/**
 * Arrows between areas on the same level that are allowed: a schedule names the assets it runs
 * (as values, so a renamed key is a compile error), never the reverse.
 */
const SIDEWAYS: readonly (readonly [Area, Area])[] = [["schedules", "assets"]];

/**
 * Downward arrows that are nevertheless refused: the apps serve the engine's state and the
 * model; the bronze pipelines and the generator reach them only through what cli/ wires.
 */
const REFUSED: readonly (readonly [Area, Area])[] = [["web", "ingest"], ["web", "generator"]];

/** Checked for cycles only: they may import anything, and nothing may import them. */
const OUTSIDE_LAYERS: readonly Area[] = ["tests", "bench"];

/** The stages of runtime/ from the bottom up; `""` is the kernel of files at runtime/'s root. */
export const RUNTIME_STAGES: readonly string[] = [
  "",
  "partitions",
  "definitions",
  "graph",
  "store",
  "staleness",
  "sql",
  "execution",
  "automation",
];

/** The area of project path `path`, or undefined when no area claims it. */
export function areaOf(path: string): Area | undefined {
  if (path === "sluice.ts") return "cli";
  const folder = path.split("/")[0];
  const areas: readonly Area[] = [...LEVELS.flat(), ...OUTSIDE_LAYERS];
  return path.includes("/") && (areas as readonly string[]).includes(folder)
    ? folder as Area
    : undefined;
}

/** The stage of a runtime/ file: its first folder under runtime/, `""` for the kernel. */
export function runtimeStageOf(path: string): string {
  const parts = path.split("/");
  return parts.length > 2 ? parts[1] : "";
}

/** Why the file at `path` has no place in the layering, or undefined when it has one. */
export function placeProblem(path: string): string | undefined {
  const area = areaOf(path);
  if (area === undefined) {
    return `${path} is in no area of the layering: put it in an existing folder, or add its ` +
      `folder to tests/support/architecture/layering.ts`;
  }
  if (area === "runtime" && !RUNTIME_STAGES.includes(runtimeStageOf(path))) {
    return `${path} is in no runtime stage: stages are ${
      RUNTIME_STAGES.map(stageName).join(", ")
    }; add a new stage to tests/support/architecture/layering.ts in its place`;
  }
  return undefined;
}

/**
 * Why `from` may not import `to` (both project paths), or undefined when the arrow is allowed.
 * Files without a place are reported by `placeProblem` and not judged here.
 */
export function arrowProblem(from: string, to: string): string | undefined {
  const source = areaOf(from);
  const target = areaOf(to);
  if (source === undefined || target === undefined) return undefined;
  if (source === target) return source === "runtime" ? stageProblem(from, to) : undefined;
  if (OUTSIDE_LAYERS.includes(source)) return undefined;
  if (OUTSIDE_LAYERS.includes(target) || !areaMayImport(source, target)) {
    return `area ${areaName(source)} may not import area ${areaName(target)}`;
  }
  return undefined;
}

function areaMayImport(source: Area, target: Area): boolean {
  if (REFUSED.some(([from, to]) => from === source && to === target)) return false;
  const sourceLevel = levelOf(source);
  const targetLevel = levelOf(target);
  if (sourceLevel === targetLevel) {
    return SIDEWAYS.some(([from, to]) => from === source && to === target);
  }
  return targetLevel > sourceLevel;
}

function stageProblem(from: string, to: string): string | undefined {
  const source = runtimeStageOf(from);
  const target = runtimeStageOf(to);
  const sourceRank = RUNTIME_STAGES.indexOf(source);
  const targetRank = RUNTIME_STAGES.indexOf(target);
  if (sourceRank === -1 || targetRank === -1 || targetRank <= sourceRank) return undefined;
  return `runtime stage ${stageName(source)} may not import runtime stage ${stageName(target)}`;
}

function levelOf(area: Area): number {
  return LEVELS.findIndex((level) => level.includes(area));
}

function areaName(area: Area): string {
  return area === "cli" ? "cli/ (with sluice.ts)" : `${area}/`;
}

function stageName(stage: string): string {
  return stage === "" ? "kernel (runtime/*.ts)" : `${stage}/`;
}
