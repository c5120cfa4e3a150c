// Automation conditions evaluated over the graph from one status read: which asset partitions
// to materialize now. A pure function; automation_conditions.ts runs it as a claimed sensor.
//
// - eager: a partition whose upstream has a new data version (or whose source has new data),
//   or that was never materialized while an upstream has data, is requested once per set of
//   upstream versions (its fingerprint), and its eager downstreams in the same request with it;
// - missing: a partition never materialized, once an upstream has data;
// - onCron: at each tick of its expression, the newest partition, if it is not fresh.
// A partition waits while it or an upstream partition is running, queued in a request,
// requested now in another request, or waiting itself: its turn comes on a later evaluation,
// with newer inputs, so a run never reads an upstream that was about to change (or be made).
import type { AssetKey } from "../definitions/asset_key.ts";
import type { AutomationCondition } from "../definitions/automation_condition.ts";
import { partitionRefKey } from "../definitions/partition_ref.ts";
import { hashParts } from "../definitions/version.ts";
import type { AssetGraph } from "../graph/asset_graph.ts";
import { unpartitioned } from "../partitions/definition.ts";
import type { PartitionKey } from "../partitions/partition_key.ts";
import type { PartitionStatus } from "../staleness/status.ts";
import type { StatusResolver } from "../staleness/status_resolver.ts";
import { groupTargets, type Target, type TargetGroup } from "./target_groups.ts";

export interface ConditionInputs {
  readonly graph: AssetGraph;
  readonly statuses: StatusResolver;
  readonly conditions: ReadonlyMap<AssetKey, AutomationCondition>;
  /** The fingerprint each asset partition was last requested for, by partitionRefKey. */
  readonly requested: ReadonlyMap<string, string>;
  /** Asset partitions a queued or running request covers, by partitionRefKey. */
  readonly inFlight: ReadonlySet<string>;
  /** The last cron tick handled per onCron asset (ISO instant). */
  readonly cronCursor: Readonly<Record<string, string>>;
  readonly now: Date;
}

export interface ConditionDecision {
  /** Requests to make; each target's `version` is its fingerprint. */
  readonly groups: readonly TargetGroup[];
  readonly cronCursor: Readonly<Record<string, string>>;
  /** Partitions that want to run but wait for an upstream running or queued elsewhere. */
  readonly waiting: number;
}

interface Chosen {
  readonly target: Target;
  readonly lane: string;
}

export function evaluateConditions(inputs: ConditionInputs): ConditionDecision {
  const { graph, statuses, now } = inputs;
  const chosen = new Map<string, Chosen>();
  const chosenAssets = new Set<AssetKey>();
  // Partitions that want to run but wait: their downstreams wait for them, not run without them.
  const held = new Set<string>();
  const cronCursor: Record<string, string> = { ...inputs.cronCursor };
  let waiting = 0;
  for (const key of graph.order) {
    const condition = inputs.conditions.get(key);
    const asset = graph.get(key);
    if (condition === undefined || asset.kind !== "asset") continue;
    const lane = laneOf(condition);
    const cron = condition.kind === "on_cron" ? cronTick(inputs, key, condition) : undefined;
    const partitions = cron === undefined ? asset.partitions.keys(now) : cron.partitions;
    if (cron?.tick !== undefined && partitions.length === 0) cronCursor[key] = cron.tick;
    const upstreamChosen = graph.upstreamEdges(key).some((edge) => chosenAssets.has(edge.upstream));
    for (const partition of partitions) {
      // Most partitions are fresh, or wait for data that has not arrived, with nothing chosen
      // upstream: no need to walk their inputs.
      const status = statuses.partition(key, partition);
      if ((status.status === "fresh" || status.status === "waiting") && !upstreamChosen) {
        if (cron?.tick !== undefined) cronCursor[key] = cron.tick;
        continue;
      }
      const decision = decide(inputs, chosen, held, condition, key, partition, lane);
      if (decision === "waits") {
        waiting++;
        held.add(partitionRefKey(key, partition));
      } else if (decision !== "no") {
        chosen.set(partitionRefKey(key, partition), decision);
        chosenAssets.add(key);
      }
      // A cron tick is used up once its partition was requested or needed nothing; a partition
      // that waits keeps it for the next evaluation.
      if (cron?.tick !== undefined && decision !== "waits") cronCursor[key] = cron.tick;
    }
  }
  return {
    groups: groupTargets(graph, [...chosen.values()].map((c) => c.target)),
    cronCursor,
    waiting,
  };
}

function decide(
  inputs: ConditionInputs,
  chosen: ReadonlyMap<string, Chosen>,
  held: ReadonlySet<string>,
  condition: AutomationCondition,
  key: AssetKey,
  partition: PartitionKey,
  lane: string,
): Chosen | "no" | "waits" {
  const ref = partitionRefKey(key, partition);
  const status = inputs.statuses.partition(key, partition);
  const upstream = upstreamState(inputs, chosen, held, key, partition, lane);
  const wants = upstream.chosenInLane && condition.kind === "eager" ||
    wantsOnItsOwn(inputs.graph, condition, key, status, upstream.hasData);
  if (!wants) return "no";
  if (status.status === "running" || inputs.inFlight.has(ref) || upstream.blocked) return "waits";
  const target = { key, partition, version: fingerprint(inputs, key, partition), lane };
  const asked = inputs.requested.get(ref) === target.version;
  if (asked && !upstream.chosenInLane && condition.kind !== "on_cron") return "no";
  return { target, lane };
}

/**
 * The newest cron tick since the one last handled, with the newest partition to look at; no
 * partitions when none passed. First seen, it starts from now and back-fills nothing.
 */
function cronTick(
  inputs: ConditionInputs,
  key: AssetKey,
  condition: Extract<AutomationCondition, { kind: "on_cron" }>,
): { readonly tick: string | undefined; readonly partitions: readonly PartitionKey[] } {
  const last = inputs.cronCursor[key];
  if (last === undefined) return { tick: inputs.now.toISOString(), partitions: [] };
  const tick = condition.cron.between(new Date(last), inputs.now, 1).at(-1);
  if (tick === undefined) return { tick: undefined, partitions: [] };
  return {
    tick: tick.toISOString(),
    partitions: inputs.graph.get(key).partitions.keys(inputs.now).slice(-1),
  };
}

function wantsOnItsOwn(
  graph: AssetGraph,
  condition: AutomationCondition,
  key: AssetKey,
  status: PartitionStatus,
  upstreamHasData: boolean,
): boolean {
  if (condition.kind === "on_cron") return status.status !== "fresh";
  // Never materialized, whatever else is wrong with it (a failed first attempt, say).
  if (status.causes.some((cause) => cause.kind === "never_materialized")) {
    return upstreamHasData || isRoot(graph, key);
  }
  if (condition.kind === "missing") return false;
  return status.causes.some((cause) =>
    cause.kind === "upstream_changed" || cause.kind === "source_new_data"
  );
}

function isRoot(graph: AssetGraph, key: AssetKey): boolean {
  return graph.upstreamEdges(key).length === 0;
}

interface UpstreamState {
  /**
   * An upstream partition is running, in a request, chosen now in another lane, or wants to
   * run but waits itself.
   */
  readonly blocked: boolean;
  /** An upstream partition is chosen now in this lane (the same request will run it first). */
  readonly chosenInLane: boolean;
  /** Some upstream partition has data now or will once this evaluation's requests run. */
  readonly hasData: boolean;
}

function upstreamState(
  inputs: ConditionInputs,
  chosen: ReadonlyMap<string, Chosen>,
  held: ReadonlySet<string>,
  key: AssetKey,
  partition: PartitionKey,
  lane: string,
): UpstreamState {
  const { graph, statuses, now } = inputs;
  let blocked = false;
  let chosenInLane = false;
  let hasData = false;
  const reads = graph.upstreamPartitions(key, partition, now);
  // Unpartitioned upstreams (reference data) exist for every partition: only partitioned ones
  // say whether a partition's own data has arrived (as the plan decides it).
  const deciding = reads.some(({ edge }) => graph.get(edge.upstream).partitions !== unpartitioned);
  for (const { edge, partitions } of reads) {
    const decides = !deciding || graph.get(edge.upstream).partitions !== unpartitioned;
    for (const upstreamPartition of partitions) {
      const ref = partitionRefKey(edge.upstream, upstreamPartition);
      const picked = chosen.get(ref);
      if (picked !== undefined) {
        if (picked.lane === lane && upstreamPartition === partition) chosenInLane = true;
        else blocked = true;
        hasData ||= decides;
        continue;
      }
      if (inputs.inFlight.has(ref) || held.has(ref)) blocked = true;
      const state = statuses.state(edge.upstream, upstreamPartition);
      if (state?.current !== undefined) hasData ||= decides;
      if (statuses.partition(edge.upstream, upstreamPartition).status === "running") {
        blocked = true;
      }
    }
  }
  return { blocked, chosenInLane, hasData };
}

/** The upstream versions (and code) a partition would read now: one request per change. */
function fingerprint(inputs: ConditionInputs, key: AssetKey, partition: PartitionKey): string {
  const { graph, statuses, now } = inputs;
  const parts: string[] = [graph.definition(key).codeVersion];
  for (const { edge, partitions } of graph.upstreamPartitions(key, partition, now)) {
    for (const upstreamPartition of partitions) {
      const current = statuses.state(edge.upstream, upstreamPartition)?.current;
      parts.push(edge.upstream, upstreamPartition, current?.dataVersion ?? "-");
    }
  }
  return hashParts(parts);
}

/** Conditions with different tags never share a request. */
function laneOf(condition: AutomationCondition): string {
  const tags = Object.entries(condition.tags).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
  return JSON.stringify(tags);
}
