// Run requests of the daemon's queue as the UI's runs: a request is `req-<id>` in URLs and
// lists (its runtime run has an id of its own once it starts), with its status, who asked and
// what it said when it ended.
import type { RunRequestId, RunRequestRecord } from "../../runtime/store/metadata_store.ts";
import type { RunSummary } from "./ui_data.ts";

const PREFIX = "req-";

export function requestRunId(id: RunRequestId): string {
  return `${PREFIX}${id}`;
}

/** The request a UI run id names, or undefined for a runtime run's id. */
export function requestIdOf(runId: string): RunRequestId | undefined {
  const id = runId.startsWith(PREFIX) ? runId.slice(PREFIX.length) : "";
  return /^\d+$/.test(id) ? id as RunRequestId : undefined;
}

export function requestSummary(request: RunRequestRecord): RunSummary {
  const ended = request.status !== "queued" && request.status !== "running";
  const failed = request.status === "failed";
  return {
    id: requestRunId(request.id),
    status: request.status,
    selection: request.kind === "vacuum" ? "vacuum" : request.selection || "*",
    partitions: request.partitions,
    trigger: request.originName ? `${request.origin}:${request.originName}` : request.origin,
    queuedAt: request.createdAt.toISOString(),
    startedAt: request.claimedAt?.toISOString(),
    endedAt: request.finishedAt?.toISOString(),
    ...(failed && request.message !== undefined && { error: request.message }),
    ...(ended && !failed && request.message !== undefined && { note: request.message }),
    ...(!ended && request.claimedBy !== undefined && { note: `run by ${request.claimedBy}` }),
  };
}
