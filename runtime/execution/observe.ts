// Observes sources: asks each observable source for the current data version of its
// partitions and records what changed, so downstreams show "source has new data".
import type { AssetKey } from "../definitions/asset_key.ts";
import type { JsonValue } from "../definitions/context.ts";
import { errorMessage, RuntimeInvariantError } from "../errors.ts";
import type { AssetGraph } from "../graph/asset_graph.ts";
import type { Logger } from "../logger.ts";
import type { Resources } from "../definitions/resources.ts";
import type { MetadataStore } from "../store/metadata_store.ts";

export interface ObservedSource {
  readonly key: AssetKey;
  readonly partitions: number;
  readonly changed: number;
  /** What the source said about itself (file counts, consumer lag, …). */
  readonly metadata: Readonly<Record<string, JsonValue>>;
  /** Records not yet in any partition (see Observation.pendingRecords); 0 when none. */
  readonly pendingRecords: number;
}

/** Observes every source among `keys`; a source that fails to answer is reported, not fatal. */
export async function observeSources(
  graph: AssetGraph,
  keys: Iterable<AssetKey>,
  store: MetadataStore,
  resources: Resources,
  log: Logger,
  now: Date,
): Promise<ObservedSource[]> {
  const observed: ObservedSource[] = [];
  for (const key of keys) {
    const source = graph.get(key);
    if (source.kind !== "source") continue;
    try {
      const observation = await source.observe({
        key,
        resources,
        log: log.child({ source: key }),
        now,
        currentVersions: (of) => store.partitions.currentVersions(of),
      });
      for (const partition of observation.partitions.keys()) {
        if (!source.partitions.contains(partition, now)) {
          throw new RuntimeInvariantError(
            `Source '${key}' reported partition '${partition}', which is not among its partitions (${source.partitions.describe()})`,
            key,
          );
        }
      }
      const changed = await store.partitions.recordObservation(
        key,
        observation.partitions,
        observation.metadata ?? {},
        now,
      );
      observed.push({
        key,
        partitions: observation.partitions.size,
        changed,
        metadata: observation.metadata ?? {},
        pendingRecords: observation.pendingRecords ?? 0,
      });
    } catch (error) {
      log.error(`could not observe source ${key}: ${errorMessage(error)}`);
    }
  }
  return observed;
}
