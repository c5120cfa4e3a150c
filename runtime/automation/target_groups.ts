// Asset partitions to materialize, gathered into as few run requests as a run can express: one
// per partition key (a run takes one partition selection), listing its assets in graph order so
// the run's plan puts upstreams first. Sensors and automation conditions share it.
import type { AssetKey } from "../definitions/asset_key.ts";
import { hashParts } from "../definitions/version.ts";
import type { AssetGraph } from "../graph/asset_graph.ts";
import type { PartitionKey } from "../partitions/partition_key.ts";

export interface Target {
  readonly key: AssetKey;
  readonly partition: PartitionKey;
  /** What makes this request different from an earlier one for the same partition. */
  readonly version: string;
  /** Targets with different lanes never share a request (their tags differ). */
  readonly lane?: string;
}

export interface TargetGroup {
  readonly partition: PartitionKey;
  readonly lane: string;
  /** Comma-joined keys in graph order. */
  readonly selection: string;
  /** The partition selection: undefined for unpartitioned assets. */
  readonly partitions: string | undefined;
  readonly targets: readonly Target[];
  /** A digest of the targets and their versions: the same group asked twice has one key. */
  readonly digest: string;
}

export function groupTargets(graph: AssetGraph, targets: Iterable<Target>): TargetGroup[] {
  const order = new Map(graph.order.map((key, i) => [key, i]));
  const groups = new Map<string, Target[]>();
  for (const target of targets) {
    const id = `${target.lane ?? ""}\u0000${target.partition}`;
    const group = groups.get(id);
    if (group) group.push(target);
    else groups.set(id, [target]);
  }
  return [...groups.values()].map((group) => {
    group.sort((a, b) => order.get(a.key)! - order.get(b.key)!);
    const { partition, lane } = group[0];
    return {
      partition,
      lane: lane ?? "",
      selection: group.map((t) => t.key).join(","),
      partitions: partition === "" ? undefined : partition,
      targets: group,
      digest: hashParts(group.flatMap((t) => [t.key, t.partition, t.version])).slice(0, 20),
    };
  }).sort((a, b) => a.partition < b.partition ? -1 : a.partition > b.partition ? 1 : 0);
}
