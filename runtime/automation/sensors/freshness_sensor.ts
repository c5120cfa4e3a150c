// Built-in sensor: materializes asset partitions that are overdue under their freshness policy,
// once per materialization that went overdue (its commit time is part of the run key).
import { resolveSelection } from "../../graph/selection.ts";
import { groupTargets, type Target } from "../target_groups.ts";
import { defineSensor, type SensorDefinition } from "../sensor.ts";

export interface FreshnessSensorOptions {
  readonly name?: string;
  /** Which assets to watch (a selection); every asset with a freshness policy by default. */
  readonly selection?: string;
  readonly minimumIntervalSeconds?: number;
  readonly tags?: Readonly<Record<string, string>>;
  readonly defaultState?: "on" | "off";
}

export function freshnessSensor(options: FreshnessSensorOptions = {}): SensorDefinition {
  return defineSensor({
    name: options.name ?? "freshness",
    minimumIntervalSeconds: options.minimumIntervalSeconds ?? 60,
    defaultState: options.defaultState,
    description: "Materializes partitions overdue under their asset's freshness policy.",
    async evaluate(ctx) {
      const { graph } = ctx;
      const selected = resolveSelection(graph, options.selection);
      const statuses = await ctx.statuses();
      const overdue: Target[] = [];
      for (const key of graph.order) {
        const asset = graph.get(key);
        if (!selected.has(key) || asset.kind !== "asset" || asset.freshness === undefined) continue;
        for (const [partition, status] of statuses.asset(key).partitions) {
          if (!status.causes.some((cause) => cause.kind === "overdue")) continue;
          const at = statuses.state(key, partition)?.current?.at.toISOString() ?? "never";
          overdue.push({ key, partition, version: at });
        }
      }
      const groups = groupTargets(graph, overdue);
      return {
        runRequests: groups.map((group) => ({
          runKey: `${group.partition}:${group.digest}`,
          selection: group.selection,
          partitions: group.partitions,
          tags: options.tags,
        })),
        skipReason: groups.length === 0 ? "nothing is overdue" : undefined,
      };
    },
  });
}
