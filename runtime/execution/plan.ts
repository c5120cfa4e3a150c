// The plan: which asset partitions a run materializes, in topological order, each with the
// reasons it is in the plan and the steps it waits for.
import type { AssetKey } from "../definitions/asset_key.ts";
import type { AssetGraph } from "../graph/asset_graph.ts";
import { unpartitioned } from "../partitions/definition.ts";
import type { PartitionKey } from "../partitions/partition_key.ts";
import { type PartitionSelection, partitionsToRun } from "../partitions/partition_selection.ts";
import { describeCause, type PartitionStatus } from "../staleness/status.ts";
import type { StatusResolver } from "../staleness/status_resolver.ts";

export interface PlanStep {
  readonly id: string;
  readonly key: AssetKey;
  readonly partition: PartitionKey;
  readonly reasons: readonly string[];
  /**
   * In the plan only because an upstream is materialized in this run: it runs only if that
   * upstream's data version changes.
   */
  readonly conditional: boolean;
  readonly upstreamSteps: readonly string[];
  /**
   * When the partition's current version was committed as the plan saw it (undefined: none),
   * so a step can tell that another run made it current meanwhile.
   */
  readonly plannedCurrentAt: Date | undefined;
}

export interface Plan {
  readonly steps: readonly PlanStep[];
  /** Selected partitions left out because they are fresh (or only running elsewhere). */
  readonly fresh: number;
  /** Selected partitions left out because an upstream failed and is not in this plan. */
  readonly blocked: readonly { readonly id: string; readonly reason: string }[];
  /**
   * Selected partitions left out because some upstream has no data for them yet (never
   * materialized or observed, and not in this plan): a day that has not landed.
   */
  readonly waiting: { readonly count: number; readonly example: string | undefined };
}

export interface PlanRequest {
  readonly graph: AssetGraph;
  readonly statuses: StatusResolver;
  readonly selection: ReadonlySet<AssetKey>;
  readonly partitions: PartitionSelection | undefined;
  readonly force: boolean;
  readonly now: Date;
}

export function stepId(key: AssetKey, partition: PartitionKey): string {
  return partition === "" ? key : `${key}@${partition}`;
}

export function buildPlan(request: PlanRequest): Plan {
  const { graph, statuses, now } = request;
  const planned = new Set<string>();
  const steps: PlanStep[] = [];
  const blocked: { id: string; reason: string }[] = [];
  const waiting = { count: 0, example: undefined as string | undefined };
  let fresh = 0;
  for (const key of graph.order) {
    const asset = graph.get(key);
    if (!request.selection.has(key) || asset.kind !== "asset") continue;
    for (const partition of partitionsToRun(asset.partitions, request.partitions, now, key)) {
      const id = stepId(key, partition);
      const upstreamSteps = plannedUpstreams(graph, planned, key, partition, now);
      const missing = upstreamWithoutData(request, planned, key, partition);
      if (missing !== undefined) {
        waiting.count++;
        waiting.example ??= `${id} waits for ${missing}`;
        continue;
      }
      const status = statuses.partition(key, partition);
      const reasons = request.force ? ["forced"] : reasonsToRun(status, planned);
      if (reasons.length > 0 || upstreamSteps.length > 0) {
        const conditional = reasons.length === 0;
        steps.push({
          id,
          key,
          partition,
          reasons: conditional
            ? upstreamSteps.map((up) => `upstream ${up} is materialized in this run`)
            : reasons,
          conditional,
          upstreamSteps,
          plannedCurrentAt: statuses.state(key, partition)?.current?.at,
        });
        planned.add(id);
      } else if (status.causes.some((c) => c.kind === "upstream_failed")) {
        blocked.push({ id, reason: status.causes.map(describeCause).join("; ") });
      } else {
        fresh++;
      }
    }
  }
  return { steps, fresh, blocked, waiting };
}

/**
 * Why a partition must wait, as `upstream@p`, when none of its upstreams has data for it yet
 * (never materialized or observed, and not planned); undefined when one has. An asset with
 * some inputs present runs and sees the missing ones as empty.
 */
function upstreamWithoutData(
  request: PlanRequest,
  planned: ReadonlySet<string>,
  key: AssetKey,
  partition: PartitionKey,
): string | undefined {
  const { graph, statuses, now } = request;
  // Unpartitioned upstreams (reference data such as seeds) exist for every partition, so they
  // cannot say whether a partition's own data has arrived: only partitioned ones decide.
  const reads = graph.upstreamPartitions(key, partition, now);
  const partitioned = reads.filter(({ edge }) =>
    graph.get(edge.upstream).partitions !== unpartitioned
  );
  let firstMissing: string | undefined;
  for (const { edge, partitions } of partitioned.length > 0 ? partitioned : reads) {
    if (partitions.length === 0) continue;
    const needed = edge.mapping.requires === "newest" ? partitions.slice(-1) : partitions;
    const hasData = needed.some((p) =>
      statuses.state(edge.upstream, p)?.current !== undefined ||
      planned.has(stepId(edge.upstream, p))
    );
    if (hasData) return undefined;
    firstMissing ??= stepId(edge.upstream, needed[0]);
  }
  return firstMissing;
}

/** Why a partition must run, empty when it need not. */
function reasonsToRun(status: PartitionStatus, planned: ReadonlySet<string>): string[] {
  if (status.status === "fresh") return [];
  const reasons: string[] = [];
  for (const cause of status.causes) {
    if (cause.kind === "running") continue;
    // A failed upstream is a reason only when this run retries it; otherwise the partition
    // would read the same upstream data again and gain nothing.
    if (cause.kind === "upstream_failed" && !planned.has(stepId(cause.upstream, cause.partition))) {
      continue;
    }
    reasons.push(describeCause(cause));
  }
  return reasons;
}

function plannedUpstreams(
  graph: AssetGraph,
  planned: ReadonlySet<string>,
  key: AssetKey,
  partition: PartitionKey,
  now: Date,
): string[] {
  const found: string[] = [];
  for (const { edge, partitions } of graph.upstreamPartitions(key, partition, now)) {
    for (const upPartition of partitions) {
      const id = stepId(edge.upstream, upPartition);
      if (planned.has(id)) found.push(id);
    }
  }
  return found;
}
