// Built-in sensor: observes the observable sources (the landing zone, Kafka), and for every
// source partition whose version changed since its cursor asks for what is stale below it, one
// request per partition. The cursor is each source partition's version as last seen.
import type { AssetKey } from "../../definitions/asset_key.ts";
import { hashParts } from "../../definitions/version.ts";
import { observeSources } from "../../execution/observe.ts";
import { resolveSelection } from "../../graph/selection.ts";
import type { PartitionKey } from "../../partitions/partition_key.ts";
import { defineSensor, type SensorDefinition, type SensorRunRequest } from "../sensor.ts";

export interface NewSourceDataOptions {
  readonly name?: string;
  /** Which sources to observe (a selection); every source by default. */
  readonly sources?: string;
  /** What below them may be requested (a selection); everything by default. */
  readonly within?: string;
  readonly minimumIntervalSeconds?: number;
  readonly tags?: Readonly<Record<string, string>>;
  readonly defaultState?: "on" | "off";
}

/** Source key → partition → data version. */
type Seen = Record<string, Record<string, string>>;

export function newSourceDataSensor(options: NewSourceDataOptions = {}): SensorDefinition {
  return defineSensor({
    name: options.name ?? "new_source_data",
    minimumIntervalSeconds: options.minimumIntervalSeconds ?? 30,
    defaultState: options.defaultState,
    description: "Observes the sources; materializes what is stale below each changed partition.",
    async evaluate(ctx) {
      const { graph } = ctx;
      const sources = [...resolveSelection(graph, options.sources)]
        .filter((key) => graph.get(key).kind === "source");
      const within = resolveSelection(graph, options.within);
      await observeSources(graph, sources, ctx.store, ctx.resources, ctx.log, ctx.now);
      const before: Seen = ctx.cursor === undefined ? {} : JSON.parse(ctx.cursor);
      const seen: Seen = {};
      // partition → changed source → its new version
      const changed = new Map<PartitionKey, Map<AssetKey, string>>();
      for (const source of sources) {
        const versions = await ctx.store.partitions.currentVersions(source);
        seen[source] = Object.fromEntries(versions);
        for (const [partition, version] of versions) {
          if (before[source]?.[partition] === version) continue;
          let atPartition = changed.get(partition);
          if (!atPartition) changed.set(partition, atPartition = new Map());
          atPartition.set(source, version);
        }
      }
      if (changed.size === 0) {
        return { cursor: JSON.stringify(seen), skipReason: "no source has new data" };
      }
      const statuses = await ctx.statuses();
      const runRequests: SensorRunRequest[] = [];
      for (const [partition, bySource] of [...changed].sort(([a], [b]) => a < b ? -1 : 1)) {
        const below = [...graph.withDescendants(bySource.keys())].filter((key) =>
          within.has(key) && graph.get(key).kind === "asset"
        );
        // Only what is stale now: an unchanged day seen for the first time asks for nothing.
        const stale = below.filter((key) =>
          graph.get(key).partitions.contains(partition, ctx.now) &&
          statuses.partition(key, partition).status !== "fresh"
        );
        if (stale.length === 0) continue;
        const keys = graph.order.filter((key) => stale.includes(key));
        runRequests.push({
          runKey: `${partition}:${hashParts([...bySource].flat()).slice(0, 16)}`,
          selection: keys.join(","),
          partitions: partition,
          tags: options.tags,
        });
      }
      return {
        cursor: JSON.stringify(seen),
        runRequests,
        skipReason: runRequests.length === 0
          ? `${changed.size} source partition${
            changed.size === 1 ? "" : "s"
          } changed; nothing below is stale`
          : undefined,
      };
    },
  });
}
