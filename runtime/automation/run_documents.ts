// The documents `deno task runs --json` and `runs show ID --json` print, read from the store in
// one place, so the UI's JSON API (/api/runs, /api/runs/:id) serves the same.
import type { LogEvent } from "../logger.ts";
import type {
  MetadataStore,
  RunId,
  RunRecord,
  RunRequestFilter,
  RunRequestId,
  RunRequestRecord,
  StepRecord,
} from "../store/metadata_store.ts";
import {
  type DaemonView,
  daemonView,
  type RunRequestView,
  runRequestView,
} from "./automation_views.ts";

/** The log lines `runs show --json` includes: the run's last ones. */
export const SHOWN_LOG_LINES = 50;

export interface RunsDocument {
  readonly queued: number;
  readonly running: number;
  /** Newest first, each with its latest run's status. */
  readonly requests: readonly RunRequestView[];
  readonly daemons: readonly DaemonView[];
}

export async function runsDocument(
  store: MetadataStore,
  filter: RunRequestFilter,
): Promise<RunsDocument> {
  const [requests, daemons, depth] = await Promise.all([
    store.queue.list(filter),
    store.queue.liveDaemons(),
    store.queue.depth(),
  ]);
  return {
    queued: depth.queued,
    running: depth.running,
    requests: await Promise.all(requests.map((request) => requestWithRun(store, request))),
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
