// The programmatic form of `materialize`: observe the sources the selection reads, resolve
// statuses, plan what is stale and execute it. The CLI, the daemon and tests all call this.
import type { Clock } from "../clock.ts";
import { systemClock } from "../clock.ts";
import { reapDeadRuns } from "./dead_runs.ts";
import { execute, type RunResult } from "./executor.ts";
import type { AssetGraph } from "../graph/asset_graph.ts";
import type { Lake } from "../definitions/lake.ts";
import type { Logger, LogSink } from "../logger.ts";
import { observeSources } from "./observe.ts";
import {
  describePartitionSelection,
  parsePartitionSelection,
} from "../partitions/partition_selection.ts";
import { buildPlan, type Plan } from "./plan.ts";
import { NO_RESOURCES, type Resources } from "../definitions/resources.ts";
import { resolveSelection } from "../graph/selection.ts";
import type { ExecutorHooks } from "./step/step_environment.ts";
import { loadStatusResolver } from "../staleness/status_loading.ts";
import type { MetadataStore, RunId } from "../store/metadata_store.ts";

export interface MaterializeRequest {
  readonly graph: AssetGraph;
  readonly store: MetadataStore;
  readonly lake: Lake;
  readonly resources?: Resources;
  readonly log: Logger;
  readonly logSinks?: readonly LogSink[];
  readonly clock?: Clock;
  readonly random?: () => number;
  /** Selection text (`+gold.x, group:bronze`); empty selects everything. */
  readonly selection?: string;
  readonly exclude?: string;
  /** `2026-11-01` or `2026-11-01..2026-11-07`. */
  readonly partitions?: string;
  readonly force?: boolean;
  /** Rebuild incremental assets from scratch (implies force). */
  readonly fullRefresh?: boolean;
  readonly dryRun?: boolean;
  readonly concurrency?: number;
  readonly leaseTtlMs?: number;
  readonly lockWaitMs?: number;
  readonly lockPollMs?: number;
  readonly signal?: AbortSignal;
  readonly hooks?: ExecutorHooks;
  readonly runId?: RunId;
  readonly command?: string;
}

export interface MaterializeOutcome {
  readonly plan: Plan;
  /** Absent for a dry run and when there was nothing to do. */
  readonly run: RunResult | undefined;
}

export async function materialize(request: MaterializeRequest): Promise<MaterializeOutcome> {
  const { graph, store } = request;
  const clock = request.clock ?? systemClock;
  const resources = request.resources ?? NO_RESOURCES;
  const selected = resolveSelection(graph, request.selection, request.exclude);
  const partitions = request.partitions === undefined || request.partitions === ""
    ? undefined
    : parsePartitionSelection(request.partitions);
  const now = clock.now();
  // A run killed with -9 still holds its leases: free them before planning, so nothing waits
  // for their TTL. (A dry run only reports.)
  if (!request.dryRun) {
    await reapDeadRuns(store, {
      at: now,
      noticedBy: request.command ?? "materialize",
      log: request.log,
    });
  }
  await observeSources(graph, graph.withAncestors(selected), store, resources, request.log, now);
  const statuses = await loadStatusResolver(graph, store, now);
  const plan = buildPlan({
    graph,
    statuses,
    selection: selected,
    partitions,
    force: (request.force || request.fullRefresh) ?? false,
    now,
  });
  if (request.dryRun || plan.steps.length === 0) return { plan, run: undefined };
  const run = await execute(plan, {
    graph,
    store,
    lake: request.lake,
    resources,
    clock,
    random: request.random,
    logSinks: request.logSinks,
    runId: request.runId ?? newRunId(now),
    command: request.command ?? "materialize",
    selection: request.selection || "*",
    partitions: describePartitionSelection(partitions),
    concurrency: request.concurrency ?? navigator.hardwareConcurrency ?? 2,
    force: request.force || request.fullRefresh,
    fullRefresh: request.fullRefresh,
    leaseTtlMs: request.leaseTtlMs,
    lockWaitMs: request.lockWaitMs,
    lockPollMs: request.lockPollMs,
    signal: request.signal,
    hooks: request.hooks,
  });
  return { plan, run };
}

/** Sortable and readable: the start time, then randomness for uniqueness. */
export function newRunId(now: Date): RunId {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "").replace("T", "-");
  return `${stamp}-${crypto.randomUUID().slice(0, 8)}` as RunId;
}
