// The assets' automation conditions as one claimed evaluation, like a sensor named
// `automation_conditions` (so `sensors off automation_conditions` pauses them): read statuses,
// what was already requested and what is in flight, decide, and enqueue the requests with what
// each target was requested for, in one transaction.
import type { AssetKey } from "../definitions/asset_key.ts";
import type { AutomationCondition } from "../definitions/automation_condition.ts";
import { loadStatusResolver } from "../staleness/status_loading.ts";
import type { NewRunRequest, RequestedTarget } from "../store/metadata_store.ts";
import { evaluateConditions } from "./condition_evaluation.ts";
import { requestCoverage } from "./request_coverage.ts";
import {
  evaluateClaimed,
  type EvaluationReport,
  type SensorEvaluationEnv,
} from "./sensor_evaluation.ts";

/** The name its state and run keys go by. */
export const AUTOMATION_SENSOR = "automation_conditions";

interface ConditionsCursor {
  /** The last cron tick handled per onCron asset. */
  readonly cron?: Readonly<Record<string, string>>;
}

export function evaluateAutomationConditions(
  env: SensorEvaluationEnv,
  conditions: ReadonlyMap<AssetKey, AutomationCondition>,
  intervalMs: number,
  now: Date,
): Promise<EvaluationReport> {
  return evaluateClaimed(env, AUTOMATION_SENSOR, intervalMs, now, async (claim) => {
    const [statuses, requested, inFlight] = await Promise.all([
      loadStatusResolver(env.graph, env.store, now),
      env.store.automation.requestedTargets(),
      env.store.queue.list({ statuses: ["queued", "running"], limit: 1000 }),
    ]);
    const cursor = parseCursor(claim.cursor);
    const decision = evaluateConditions({
      graph: env.graph,
      statuses,
      conditions,
      requested,
      inFlight: requestCoverage(env.graph, inFlight, now),
      cronCursor: cursor.cron ?? {},
      now,
    });
    const requests: NewRunRequest[] = decision.groups.map((group) => ({
      runKey: `automation:${group.digest}`,
      kind: "materialize",
      selection: group.selection,
      partitions: group.partitions,
      tags: Object.fromEntries(JSON.parse(group.lane || "[]")),
      origin: "automation",
      originName: AUTOMATION_SENSOR,
      dueAt: now,
    }));
    const targets: (RequestedTarget & { request: number })[] = decision.groups.flatMap(
      (group, request) =>
        group.targets.map((t) => ({
          assetKey: t.key,
          partition: t.partition,
          fingerprint: t.version,
          request,
        })),
    );
    return {
      cursor: JSON.stringify({ cron: decision.cronCursor } satisfies ConditionsCursor),
      requests,
      targets,
      skipReason: requests.length > 0
        ? undefined
        : decision.waiting > 0
        ? `${decision.waiting} partition${
          decision.waiting === 1 ? "" : "s"
        } wait for upstream runs to finish`
        : "no asset partition needs a run",
    };
  });
}

function parseCursor(text: string | undefined): ConditionsCursor {
  if (text === undefined) return {};
  try {
    const value = JSON.parse(text);
    return typeof value === "object" && value !== null ? value : {};
  } catch {
    return {};
  }
}
