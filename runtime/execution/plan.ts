// The plan: which asset partitions a run materializes, in topological order, each with the
// reasons it is in the plan and the steps it waits for.
import type { AssetKey } from "../definitions/asset_key.ts";
import type { AssetGraph, UpstreamPartitions } from "../graph/asset_graph.ts";
import { aliasOfPartition, type PartitionKey } from "../partitions/partition_key.ts";
import { type PartitionSelection, partitionsToRun } from "../partitions/partition_selection.ts";
import { describeCause, type PartitionStatus, type WaitingCause } from "../staleness/status.ts";
import type { StatusResolver } from "../staleness/status_resolver.ts";
import { upstreamWithoutData } from "../staleness/waiting.ts";

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
   * Selected partitions left out because no upstream has data for them yet (never
   * materialized or observed, and not in this plan): a day that has not landed. In plan order.
   */
  readonly waiting: readonly WaitingStep[];
}

/** A selected partition that waits for data, with the same cause `assets` shows for it. */
export interface WaitingStep {
  readonly id: string;
  readonly key: AssetKey;
  readonly partition: PartitionKey;
  readonly cause: WaitingCause;
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
  const waiting: WaitingStep[] = [];
  /** Planned steps by asset: a reader of an alias waits for every step of the aliased asset. */
  const plannedOf = new Map<AssetKey, string[]>();
  // An upstream has data for this run when it has a version or this run makes one; an alias,
  // when it points somewhere or this run materializes the asset (which may move it).
  const hasData = (upstream: AssetKey, partition: PartitionKey) =>
    statuses.state(upstream, partition)?.current !== undefined ||
    (aliasOfPartition(partition) === undefined
      ? planned.has(stepId(upstream, partition))
      : plannedOf.has(upstream));
  let fresh = 0;
  for (const key of graph.order) {
    const asset = graph.get(key);
    if (!request.selection.has(key) || asset.kind !== "asset") continue;
    for (const partition of partitionsToRun(asset.partitions, request.partitions, now, key)) {
      const id = stepId(key, partition);
      const reads = graph.upstreamPartitions(key, partition, now);
      const missing = upstreamWithoutData(graph, reads, hasData);
      if (missing !== undefined) {
        waiting.push(waitingStep(id, key, partition, () => statuses.waitingCause(missing)));
        continue;
      }
      const upstreamSteps = plannedUpstreams(reads, planned, plannedOf);
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
        const ofAsset = plannedOf.get(key);
        if (ofAsset === undefined) plannedOf.set(key, [id]);
        else ofAsset.push(id);
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
 * A waiting step whose cause is worked out when first read: finding the source a cause names
 * resolves the status of each upstream below it, and a run for one day leaves every other day
 * since the assets' start waiting (8,039 partitions on the pipeline), of which the CLI names one.
 */
function waitingStep(
  id: string,
  key: AssetKey,
  partition: PartitionKey,
  causeOf: () => WaitingCause,
): WaitingStep {
  let cause: WaitingCause | undefined;
  return {
    id,
    key,
    partition,
    get cause() {
      return cause ??= causeOf();
    },
  };
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

/** The planned steps a step waits for: its mapped upstream partitions, and every step of an
 * asset whose alias it reads (any of them may move the alias). */
function plannedUpstreams(
  reads: readonly UpstreamPartitions[],
  planned: ReadonlySet<string>,
  plannedOf: ReadonlyMap<AssetKey, readonly string[]>,
): string[] {
  const found: string[] = [];
  for (const { edge, partitions } of reads) {
    if (edge.mapping.alias !== undefined) {
      found.push(...(plannedOf.get(edge.upstream) ?? []));
      continue;
    }
    for (const upPartition of partitions) {
      const id = stepId(edge.upstream, upPartition);
      if (planned.has(id)) found.push(id);
    }
  }
  return found;
}
