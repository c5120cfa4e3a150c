// UiActions over the real platform. Materialize checks the selection and partition range at
// once (a mistake is a 400, not a failed run) and puts a request on the daemon's run queue
// (origin "ui"); with no live daemon this process claims it and runs it itself, in the
// background, as a local run whose log the page tails live. Cancel goes through the queue (and
// aborts a request running here at once). Promotion and rollback move a model's champion alias
// (store_models.ts).
import type { AssetKey } from "../../runtime/definitions/asset_key.ts";
import { RequestError } from "../../runtime/errors.ts";
import type { RunRequestOutcome } from "../../runtime/automation/execute_run_request.ts";
import type { AssetGraph } from "../../runtime/graph/asset_graph.ts";
import { resolveSelection } from "../../runtime/graph/selection.ts";
import type { LogSink } from "../../runtime/logger.ts";
import {
  parsePartitionSelection,
  partitionsToRun,
} from "../../runtime/partitions/partition_selection.ts";
import type { MetadataStore, RunRequestRecord } from "../../runtime/store/metadata_store.ts";
import { UiRequestError } from "./errors.ts";
import type { LocalRunOutcome, LocalRuns } from "./local_runs.ts";
import { requestIdOf, requestRunId } from "./request_runs.ts";
import { promoteFromUi, rollbackFromUi } from "./store_models.ts";
import { stepView } from "./store_views.ts";
import type { MaterializeRequest, UiActions, UiClock } from "./ui_data.ts";

/** How this process runs a request it claimed (runtime executeRunRequest, environment bound). */
export type ExecuteInProcess = (
  request: RunRequestRecord,
  run: { readonly signal: AbortSignal; readonly sink: LogSink },
) => Promise<RunRequestOutcome>;

export interface StoreUiActionsOptions {
  readonly graph: AssetGraph;
  readonly store: MetadataStore;
  readonly clock: UiClock;
  readonly localRuns: LocalRuns;
  /** Who this process is when it claims a request or moves an alias: `ui@host:pid`. */
  readonly claimant: string;
  readonly execute: ExecuteInProcess;
}

export class StoreUiActions implements UiActions {
  constructor(private readonly options: StoreUiActionsOptions) {}

  async materialize(request: MaterializeRequest): Promise<{ readonly runId: string }> {
    const { graph, store, clock } = this.options;
    const partitions = request.partitions === undefined
      ? undefined
      : request.partitions.from === request.partitions.to
      ? request.partitions.from
      : `${request.partitions.from}..${request.partitions.to}`;
    checkRequest(graph, request.selection, partitions, clock.now());
    const [id] = await store.queue.enqueue([{
      kind: "materialize",
      selection: request.selection,
      partitions,
      tags: {},
      origin: "ui",
    }]);
    if ((await store.queue.liveDaemons()).length === 0) {
      // No daemon will take it: run it here, unless one started and took it meanwhile.
      const claimed = await store.queue.claimInPlace(id, this.options.claimant);
      if (claimed) this.#runHere(claimed);
    }
    return { runId: requestRunId(id) };
  }

  #runHere(request: RunRequestRecord): void {
    const { localRuns, execute, store } = this.options;
    localRuns.start(
      {
        id: requestRunId(request.id),
        selection: request.selection,
        partitions: request.partitions,
        trigger: "ui",
      },
      async ({ signal, sink, started }) => {
        started();
        const outcome = await execute(request, { signal, sink });
        const steps = outcome.runId === undefined ? [] : await store.runs.listSteps(outcome.runId);
        return outcomeOf(outcome, steps.map(stepView));
      },
    );
  }

  async cancelRun(runId: string): Promise<void> {
    const id = requestIdOf(runId);
    if (id === undefined) {
      throw new UiRequestError(
        `Cannot cancel run ${runId} from here: it was not queued, so the process that runs it ` +
          "(a `deno task materialize`) must stop it (Ctrl-C)",
      );
    }
    const abortedHere = this.options.localRuns.cancel(runId);
    const cancelled = await this.options.store.queue.cancel(id);
    if (!abortedHere && !cancelled) {
      throw new UiRequestError(`Cannot cancel run ${runId}: it has already ended`);
    }
  }

  /** Moves the model's champion to `version`, as `deno task models promote` does. */
  promote(request: { model: string; version: string; alias: string }): Promise<void> {
    return promoteFromUi(this.options.store, request, this.#mover());
  }

  /** Points the champion back where it was before its latest move. */
  rollback(request: { model: string; alias: string }): Promise<void> {
    return rollbackFromUi(this.options.store, request, this.#mover());
  }

  #mover() {
    return { movedBy: this.options.claimant, at: this.options.clock.now() };
  }
}

/**
 * Refuses, before anything is queued, a selection that matches nothing or a partition range
 * that does not fit a selected asset, with the runtime's own message.
 */
function checkRequest(
  graph: AssetGraph,
  selection: string,
  partitions: string | undefined,
  now: Date,
): void {
  try {
    const keys = resolveSelection(graph, selection);
    if (partitions === undefined) return;
    const range = parsePartitionSelection(partitions);
    for (const key of keys) {
      partitionsToRun(graph.get(key as AssetKey).partitions, range, now, key);
    }
  } catch (error) {
    if (error instanceof RequestError) throw new UiRequestError(error.message);
    throw error;
  }
}

function outcomeOf(outcome: RunRequestOutcome, steps: LocalRunOutcome["steps"]): LocalRunOutcome {
  switch (outcome.status) {
    case "succeeded":
    case "cancelled":
      return { status: outcome.status, steps, note: outcome.message };
    case "failed":
      return { status: "failed", steps, error: outcome.message };
    default:
      // Requeued or lost: another process has it now; its page follows the request.
      return { status: "cancelled", steps, note: `${outcome.status}: ${outcome.message}` };
  }
}
