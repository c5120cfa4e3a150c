// The UI's runs over the store: the run queue's requests (`req-<id>`, their runtime runs folded
// in), runs started outside the queue (`deno task materialize`), and the runs this process works
// itself, whose logs are live (local_runs.ts); each run's steps and log, a live tail's wake-ups,
// and the CLI's `runs --json` documents.
import {
  type RunDocument,
  runDocument,
  type RunsDocument,
  runsDocument,
} from "../../runtime/automation/run_documents.ts";
import type { AssetKey } from "../../runtime/definitions/asset_key.ts";
import type { AssetGraph } from "../../runtime/graph/asset_graph.ts";
import { resolveSelection } from "../../runtime/graph/selection.ts";
import type {
  MetadataStore,
  RunId,
  RunRequestStatus,
  RunStatus as StoreRunStatus,
} from "../../runtime/store/metadata_store.ts";
import { RUN_REQUEST_STATUSES, RUN_STATUSES } from "../../runtime/store/run_queue_store.ts";
import type { LocalRuns } from "./local_runs.ts";
import { requestIdOf, requestRunId, requestSummary } from "./request_runs.ts";
import type { StatusCache } from "./status_cache.ts";
import { logLineView, runSummaryView, stepView, uiRunStatus } from "./store_views.ts";
import type { LogLine, RunDetail, RunFilter, RunStatus, RunSummary } from "./ui_data.ts";

/** Store runs scanned for a filtered run list. */
const RUN_SCAN = 500;
/** Log lines of the last run shown on a partition page. */
const PARTITION_LOG_LINES = 500;

export interface StoreRunsOptions {
  readonly graph: AssetGraph;
  readonly store: MetadataStore;
  readonly localRuns: LocalRuns;
  /** For the runs that touched an asset: each partition's last attempt. */
  readonly statuses: StatusCache;
  /** How often a run another process works is re-read while its page tails it, in ms. */
  readonly runPollMs: number;
}

export class StoreRuns {
  readonly #graph: AssetGraph;
  readonly #store: MetadataStore;
  readonly #local: LocalRuns;
  readonly #statuses: StatusCache;
  readonly #runPollMs: number;

  constructor(options: StoreRunsOptions) {
    this.#graph = options.graph;
    this.#store = options.store;
    this.#local = options.localRuns;
    this.#statuses = options.statuses;
    this.#runPollMs = options.runPollMs;
  }

  /**
   * Requests of the run queue (`req-<id>`, their runtime runs folded into them) and the runs
   * no request started (`deno task materialize`, `ingest`), newest first: what `runs --json`
   * lists, with the asset filter besides.
   */
  async runs(filter: RunFilter): Promise<readonly RunSummary[]> {
    const status = filter.status;
    const byAsset = filter.asset !== undefined;
    const requestStatus = status === undefined ? undefined : asRequestStatus(status);
    const runStatus = status === undefined ? undefined : asStoreRunStatus(status);
    const [requests, fromStore] = await Promise.all([
      status !== undefined && requestStatus === undefined ? [] : this.#store.queue.list({
        limit: byAsset ? RUN_SCAN : filter.limit,
        ...(requestStatus !== undefined && { statuses: [requestStatus] }),
      }),
      status !== undefined && runStatus === undefined
        ? []
        : byAsset
        ? this.#runsTouching(filter.asset!, filter.limit)
        : this.#store.queue.listRunsOutsideQueue({
          limit: filter.limit,
          ...(runStatus !== undefined && { statuses: [runStatus] }),
        }),
    ]);
    const ofRequests = new Set(requests.flatMap((request) => request.runIds));
    const summaries = [
      ...requests.map((request) =>
        this.#local.get(requestRunId(request.id))?.summary ?? requestSummary(request)
      ).filter((run) => filter.asset === undefined || this.#selects(run, filter.asset)),
      ...fromStore.filter((run) => !ofRequests.has(run.id)).map(runSummaryView),
    ].filter((run) => status === undefined || run.status === status);
    summaries.sort((a, b) => a.queuedAt < b.queuedAt ? 1 : a.queuedAt > b.queuedAt ? -1 : 0);
    return summaries.slice(0, filter.limit);
  }

  /** The runs that made each partition's last attempt: the latest runs with a step on it. */
  async #runsTouching(key: string, limit: number) {
    const snapshot = await this.#statuses.get();
    const asset = snapshot.find(key);
    if (!asset) return [];
    const latestAt = new Map<string, number>();
    for (const partition of snapshot.summary(asset.key).partitions.keys()) {
      const attempt = snapshot.resolver.state(asset.key, partition)?.lastAttempt;
      if (!attempt) continue;
      const at = attempt.at.getTime();
      if ((latestAt.get(attempt.runId) ?? -Infinity) < at) latestAt.set(attempt.runId, at);
    }
    const newest = [...latestAt].sort((a, b) => b[1] - a[1]).slice(0, limit);
    const runs = await Promise.all(
      newest.map(([id]) => this.#store.runs.getRun(id as RunId)),
    );
    return runs.filter((run) => run !== undefined);
  }

  /** Whether a request selects `key` (its steps are known only once its run ends). */
  #selects(run: RunSummary, key: string): boolean {
    const local = this.#local.get(run.id);
    if (local && local.steps.length > 0) return local.steps.some((step) => step.asset === key);
    try {
      return resolveSelection(this.#graph, run.selection).has(key as AssetKey);
    } catch {
      return false;
    }
  }

  async run(id: string): Promise<RunDetail | undefined> {
    const local = this.#local.get(id);
    if (local) return { ...local.summary, steps: local.steps };
    const requestId = requestIdOf(id);
    if (requestId !== undefined) {
      const request = await this.#store.queue.get(requestId);
      if (!request) return undefined;
      const steps = request.runId === undefined
        ? []
        : await this.#store.runs.listSteps(request.runId);
      return { ...requestSummary(request), steps: steps.map(stepView) };
    }
    const run = await this.#store.runs.getRun(id as RunId);
    if (!run) return undefined;
    const steps = await this.#store.runs.listSteps(run.id);
    const failed = steps.find((step) => step.status === "failed");
    const summary = runSummaryView(run);
    return {
      ...summary,
      error: summary.error ?? (failed && `${failed.assetKey}: ${failed.reason}`),
      steps: steps.map(stepView),
    };
  }

  async runLogs(id: string, afterSeq: number, limit: number): Promise<readonly LogLine[]> {
    if (this.#local.has(id)) return this.#local.logs(id, afterSeq, limit);
    const requestId = requestIdOf(id);
    const runId = requestId === undefined
      ? id as RunId
      : (await this.#store.queue.get(requestId))?.runId;
    if (runId === undefined) return [];
    const events = await this.#store.runs.listLogs(runId);
    return events.slice(afterSeq, afterSeq + limit).map((event, i) =>
      logLineView(event, afterSeq + i + 1)
    );
  }

  async waitForRunChange(id: string, _afterSeq: number, signal: AbortSignal): Promise<void> {
    if (this.#local.has(id)) return await this.#local.wait(id, signal);
    // Another process writes this run: its lines reach the store in batches, so look again
    // after a while (or sooner, if the page went away).
    const wake = AbortSignal.any([signal, AbortSignal.timeout(this.#runPollMs)]);
    if (wake.aborted) return;
    await new Promise<void>((resolve) => wake.addEventListener("abort", () => resolve()));
  }

  /** `deno task runs --json`: requests and the runs no request started, filtered by status. */
  runsDocument(filter: RunFilter): Promise<RunsDocument> {
    return runsDocument(this.#store, {
      limit: filter.limit,
      ...(filter.status !== undefined && { statuses: [filter.status] }),
    });
  }

  /** `deno task runs show ID --json`; `req-N` names request N. */
  runDocument(id: string): Promise<RunDocument | undefined> {
    return runDocument(this.#store, requestIdOf(id) ?? id);
  }

  /** The run of a partition's last attempt (a runtime run: its status, not its steps). */
  async lastRun(runId: RunId, asset: string, partition: string) {
    const [run, events] = await Promise.all([
      this.#store.runs.getRun(runId),
      this.#store.runs.listLogs(runId),
    ]);
    if (!run) return undefined;
    // The lines about this partition, and the run's own (start, end) for context.
    const mine = events.map((event, i) => logLineView(event, i + 1)).filter((line) =>
      line.asset === undefined || (line.asset === asset && (line.partition ?? "") === partition)
    );
    return { id: run.id, status: uiRunStatus(run.status), logs: mine.slice(-PARTITION_LOG_LINES) };
  }
}

/** The UI's status as a request's, if a request can have it (`abandoned` is only a run's). */
function asRequestStatus(status: RunStatus): RunRequestStatus | undefined {
  return (RUN_REQUEST_STATUSES as readonly string[]).includes(status)
    ? status as RunRequestStatus
    : undefined;
}

/** The UI's status as a stored run's, if a run can have it (`queued` is only a request's). */
function asStoreRunStatus(status: RunStatus): StoreRunStatus | undefined {
  return (RUN_STATUSES as readonly string[]).includes(status)
    ? status as StoreRunStatus
    : undefined;
}
