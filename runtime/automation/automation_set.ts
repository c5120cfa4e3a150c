// What a daemon automates, resolved against the asset graph once at start: the schedules, the
// sensors, and each asset's automation condition (its own `automation:`, else the first
// selection-wide condition that selects it). Names are checked unique here.
import type { AssetKey } from "../definitions/asset_key.ts";
import type { AutomationCondition } from "../definitions/automation_condition.ts";
import { DefinitionError, errorMessage } from "../errors.ts";
import type { AssetGraph } from "../graph/asset_graph.ts";
import { resolveSelection } from "../graph/selection.ts";
import type { TagLimit } from "../store/metadata_store.ts";
import { AUTOMATION_SENSOR } from "./automation_conditions.ts";
import type { ScheduleDefinition } from "./schedule.ts";
import type { SensorDefinition } from "./sensor.ts";

/** A condition for every asset a selection names (schedules/ declares the project's). */
export interface SelectionCondition {
  readonly selection: string;
  readonly condition: AutomationCondition;
  /** A selection that may match nothing in some configurations (Kafka-only assets, say). */
  readonly optional?: boolean;
}

/** What an application hands the daemon (schedules/definitions.ts for this project). */
export interface AutomationDefinitions {
  readonly schedules?: readonly ScheduleDefinition[];
  readonly sensors?: readonly SensorDefinition[];
  /** For assets that declare no `automation` of their own; the first that selects one wins. */
  readonly conditions?: readonly SelectionCondition[];
  /** Limits on running requests by tag, unless SLUICE_RUN_TAG_LIMITS says otherwise. */
  readonly tagLimits?: readonly TagLimit[];
}

export type AutomationLoader = () => Promise<AutomationDefinitions>;

export interface AutomationSet {
  readonly schedules: readonly ScheduleDefinition[];
  readonly sensors: readonly SensorDefinition[];
  readonly conditions: ReadonlyMap<AssetKey, AutomationCondition>;
}

export function resolveAutomation(
  graph: AssetGraph,
  definitions: AutomationDefinitions,
): AutomationSet {
  const schedules = definitions.schedules ?? [];
  const sensors = definitions.sensors ?? [];
  const names = new Set<string>([AUTOMATION_SENSOR]);
  for (const { name } of [...schedules, ...sensors]) {
    if (names.has(name)) {
      throw new DefinitionError(
        name === AUTOMATION_SENSOR
          ? `Cannot define '${name}': the name is taken by the assets' automation conditions`
          : `Schedule or sensor '${name}' is defined twice: give each a unique name`,
      );
    }
    names.add(name);
  }
  const conditions = new Map<AssetKey, AutomationCondition>();
  for (const { selection, condition, optional } of definitions.conditions ?? []) {
    let keys: Set<AssetKey>;
    try {
      keys = resolveSelection(graph, selection);
    } catch (error) {
      if (optional) continue;
      throw new DefinitionError(
        `Automation condition for '${selection}' has a bad selection: ${errorMessage(error)}`,
      );
    }
    for (const key of keys) {
      if (graph.get(key).kind === "asset" && !conditions.has(key)) conditions.set(key, condition);
    }
  }
  // An asset's own condition wins over any selection-wide one.
  for (const asset of graph.assets()) {
    if (asset.kind === "asset" && asset.automation) conditions.set(asset.key, asset.automation);
  }
  return { schedules, sensors, conditions };
}
