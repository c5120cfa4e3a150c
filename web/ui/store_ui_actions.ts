// UiActions over the real platform. Materialize checks the selection and partition range at
// once (a mistake is a 400, not a failed run) and puts requests on the daemon's run queue
// (origin "ui"), a range of days split into one request per day as `runs enqueue` does, so
// several daemons share it; with no live daemon this process claims them one after another
// (as a registered claimer that heartbeats, so its death is noticed like a daemon's) and runs
// each in the background as a local run whose log the page tails live. Cancel goes through the queue (and
// aborts a request running here at once). Promotion and rollback move a model's champion alias
// (store_models.ts).
import type { AssetKey } from "../../runtime/definitions/asset_key.ts";
import { RequestError } from "../../runtime/errors.ts";
import { splitBackfill } from "../../runtime/automation/backfill.ts";
import type { RunRequestOutcome } from "../../runtime/automation/execute_run_request.ts";
import type { AssetGraph } from "../../runtime/graph/asset_graph.ts";
import { resolveSelection } from "../../runtime/graph/selection.ts";
import type { LogSink } from "../../runtime/logger.ts";
import {
  parsePartitionSelection,
  partitionsToRun,
} from "../../runtime/partitions/partition_selection.ts";
import type {
  MetadataStore,
  RunRequestId,
  RunRequestRecord,
} from "../../runtime/store/metadata_store.ts";
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

/** Claims a queued request for this process to run (runtime/automation/in_place_claimer.ts). */
export interface RequestClaimer {
  claim(id: RunRequestId): Promise<RunRequestRecord | undefined>;
}

export interface StoreUiActionsOptions {
  readonly graph: AssetGraph;
  readonly store: MetadataStore;
  readonly clock: UiClock;
  readonly localRuns: LocalRuns;
  /** Who this process is when it moves an alias: `ui@host:pid`. */
  readonly claimant: string;
  /** How this process claims a request it runs itself; it heartbeats and is reaped if it dies. */
  readonly claimer: RequestClaimer;
  readonly execute: ExecuteInProcess;
  /** Where an error of the background turns goes (default: the console). */
  readonly reportError?: (error: unknown) => void;
}

export class StoreUiActions implements UiActions {
  /** Requests of a split range waiting for their turn here, one chain per materialize. */
  readonly #turns = new Set<Promise<void>>();
  #closed = false;

  constructor(private readonly options: StoreUiActionsOptions) {}

  async materialize(
    request: MaterializeRequest,
  ): Promise<{ readonly runId: string; readonly runIds: readonly string[] }> {
    const { graph, store, clock } = this.options;
    const partitions = request.partitions === undefined
      ? undefined
      : request.partitions.from === request.partitions.to
      ? request.partitions.from
      : `${request.partitions.from}..${request.partitions.to}`;
    checkRequest(graph, request.selection, partitions, clock.now());
    // A range of days as `deno task runs enqueue` splits it: one request per day, tagged with
    // the backfill, so several daemons share it.
    const ids = await store.queue.enqueue(splitBackfill(
      { kind: "materialize", selection: request.selection, partitions, tags: {}, origin: "ui" },
      1,
      crypto.randomUUID().slice(0, 8),
    ));
    if ((await store.queue.liveDaemons()).length === 0) {
      // No daemon will take them: run them here, unless one started and took them meanwhile.
      const first = await this.options.claimer.claim(ids[0]);
      if (first) {
        this.#runHere(first);
        this.#inTurn(ids.slice(1), requestRunId(first.id));
      }
    }
    return { runId: requestRunId(ids[0]), runIds: ids.map(requestRunId) };
  }

  /**
   * Runs the rest of a split range here one after another, each claimed only when its turn
   * comes, so a daemon that starts meanwhile takes what is left.
   */
  #inTurn(ids: readonly RunRequestId[], after: string): void {
    if (ids.length === 0) return;
    const { localRuns, store, claimer } = this.options;
    const turns = (async () => {
      let previous = after;
      for (const id of ids) {
        await localRuns.settled(previous);
        if (this.#closed || (await store.queue.liveDaemons()).length > 0) return;
        const claimed = await claimer.claim(id);
        if (!claimed) continue;
        this.#runHere(claimed);
        previous = requestRunId(id);
      }
    })().catch(this.options.reportError ?? ((error) => console.error(error)));
    this.#turns.add(turns);
    turns.finally(() => this.#turns.delete(turns));
  }

  /** Resolves once every split range's requests have been started here (or left to daemons). */
  async settled(): Promise<void> {
    await Promise.all(this.#turns);
  }

  /**
   * Claims nothing more. Resolves once each split range's turns noticed, which is after the run
   * each waits for has ended: cancel the local runs before awaiting it.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#turns);
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
