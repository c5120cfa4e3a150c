// The documents `deno task runs --json` and `runs show ID --json` print, read from the store in
// one place, so the UI's JSON API (/api/runs, /api/runs/:id) serves the same.
import type { LogEvent } from "../logger.ts";
import type {
  MetadataStore,
  RunId,
  RunRecord,
  RunRequestId,
  RunRequestRecord,
  RunRequestStatus,
  RunStatus,
  StepRecord,
} from "../store/metadata_store.ts";
import { RUN_REQUEST_STATUSES, RUN_STATUSES } from "../store/run_queue_store.ts";
import {
  type DaemonView,
  daemonView,
  type RunRequestView,
  runRequestView,
  type RunView,
  runView,
} from "./automation_views.ts";

/** The log lines `runs show --json` includes: the run's last ones. */
export const SHOWN_LOG_LINES = 50;

export interface RunsDocument {
  readonly queued: number;
  readonly running: number;
  /** Newest first, each with its latest run's status. */
  readonly requests: readonly RunRequestView[];
  /** The history beside the queue: runs no request started (`materialize`, `ingest`), newest first. */
  readonly runs: readonly RunView[];
  readonly daemons: readonly DaemonView[];
}

/** A request's status or a run's (`abandoned` is only a run's, `queued` only a request's). */
export type RunsStatus = RunRequestStatus | RunStatus;

export const RUNS_STATUSES: readonly RunsStatus[] = [
  ...new Set<RunsStatus>([...RUN_REQUEST_STATUSES, ...RUN_STATUSES]),
];

export interface RunsFilter {
  /** Requests and runs with one of these statuses; all when absent. */
  readonly statuses?: readonly RunsStatus[];
  /** Of each list, newest first. */
  readonly limit: number;
}

export async function runsDocument(
  store: MetadataStore,
  filter: RunsFilter,
): Promise<RunsDocument> {
  const requestStatuses = filter.statuses?.filter((s): s is RunRequestStatus =>
    (RUN_REQUEST_STATUSES as readonly string[]).includes(s)
  );
  const runStatuses = filter.statuses?.filter((s): s is RunStatus =>
    (RUN_STATUSES as readonly string[]).includes(s)
  );
  const [requests, runs, daemons, depth] = await Promise.all([
    requestStatuses?.length === 0
      ? []
      : store.queue.list({ statuses: requestStatuses, limit: filter.limit }),
    runStatuses?.length === 0
      ? []
      : store.queue.listRunsOutsideQueue({ statuses: runStatuses, limit: filter.limit }),
    store.queue.liveDaemons(),
    store.queue.depth(),
  ]);
  return {
    queued: depth.queued,
    running: depth.running,
    requests: await Promise.all(requests.map((request) => requestWithRun(store, request))),
    runs: runs.map(runView),
    daemons: daemons.map(daemonView),
  };
}

export interface RunDocument {
  readonly request: RunRequestView | null;
  readonly run: RunRecord | null;
  readonly steps: readonly StepRecord[];
  /** The run's last SHOWN_LOG_LINES lines. */
  readonly log: readonly LogEvent[];
}

/** A request (by its id) with its latest run, or a run by its own id; undefined for neither. */
export async function runDocument(
  store: MetadataStore,
  id: string,
): Promise<RunDocument | undefined> {
  const request = await store.queue.get(id as RunRequestId);
  const runId = request?.runId ?? (request === undefined ? id as RunId : undefined);
  const run = runId === undefined ? undefined : await store.runs.getRun(runId);
  if (request === undefined && run === undefined) return undefined;
  const [steps, logs] = run === undefined
    ? [[], []]
    : await Promise.all([store.runs.listSteps(run.id), store.runs.listLogs(run.id)]);
  return {
    request: request === undefined ? null : runRequestView(request, run),
    run: run ?? null,
    steps,
    log: logs.slice(-SHOWN_LOG_LINES),
  };
}

async function requestWithRun(
  store: MetadataStore,
  request: RunRequestRecord,
): Promise<RunRequestView> {
  const run = request.runId === undefined ? undefined : await store.runs.getRun(request.runId);
  return runRequestView(request, run);
}
