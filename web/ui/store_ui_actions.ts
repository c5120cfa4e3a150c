// UiActions over the real platform. Materialize checks the selection and partition range at
// once (a mistake is a 400, not a failed run), then runs it in this process in the background
// as a run of its own (local_runs.ts), tailed live on its page; cancel aborts it. Promotion and
// rollback answer that they are not available until the alias store is wired.
import type { AssetKey } from "../../runtime/definitions/asset_key.ts";
import { RequestError } from "../../runtime/errors.ts";
import type { MaterializeOutcome } from "../../runtime/execution/materialize.ts";
import { newRunId } from "../../runtime/execution/materialize.ts";
import type { AssetGraph } from "../../runtime/graph/asset_graph.ts";
import { resolveSelection } from "../../runtime/graph/selection.ts";
import type { LogSink } from "../../runtime/logger.ts";
import { displayPartition } from "../../runtime/partitions/partition_key.ts";
import {
  parsePartitionSelection,
  partitionsToRun,
} from "../../runtime/partitions/partition_selection.ts";
import { UiRequestError } from "./errors.ts";
import type { LocalRunOutcome, LocalRuns } from "./local_runs.ts";
import { stepView } from "./store_views.ts";
import type { MaterializeRequest, UiActions, UiClock } from "./ui_data.ts";

/** What the UI asks the runtime to materialize (runtime materialize() with the instance bound). */
export interface InProcessMaterialize {
  readonly runId: string;
  readonly selection: string;
  /** `a` or `a..b`; undefined for every partition that needs it. */
  readonly partitions: string | undefined;
  readonly signal: AbortSignal;
  /** Where the run's log goes besides the store (the run page's live tail). */
  readonly sink: LogSink;
}

export interface StoreUiActionsOptions {
  readonly graph: AssetGraph;
  readonly clock: UiClock;
  readonly localRuns: LocalRuns;
  readonly materialize: (request: InProcessMaterialize) => Promise<MaterializeOutcome>;
}

export class StoreUiActions implements UiActions {
  constructor(private readonly options: StoreUiActionsOptions) {}

  materialize(request: MaterializeRequest): Promise<{ readonly runId: string }> {
    const { graph, clock, localRuns } = this.options;
    const partitions = request.partitions === undefined
      ? undefined
      : request.partitions.from === request.partitions.to
      ? request.partitions.from
      : `${request.partitions.from}..${request.partitions.to}`;
    checkRequest(graph, request.selection, partitions, clock.now());
    const runId = newRunId(clock.now());
    localRuns.start(
      { id: runId, selection: request.selection, partitions, trigger: "ui" },
      async ({ signal, sink, started }) => {
        started();
        const outcome = await this.options.materialize({
          runId,
          selection: request.selection,
          partitions,
          signal,
          sink,
        });
        return outcomeOf(outcome);
      },
    );
    return Promise.resolve({ runId });
  }

  cancelRun(runId: string): Promise<void> {
    if (this.options.localRuns.cancel(runId)) return Promise.resolve();
    return Promise.reject(
      new UiRequestError(
        this.options.localRuns.has(runId)
          ? `Cannot cancel run ${runId}: it has already ended`
          : `Cannot cancel run ${runId} from here: another process runs it; stop it there ` +
            "(Ctrl-C on its materialize)",
      ),
    );
  }

  promote(_request: { model: string; version: string; alias: string }): Promise<void> {
    return Promise.reject(notYet("promote"));
  }

  rollback(_request: { model: string; alias: string }): Promise<void> {
    return Promise.reject(notYet("roll back"));
  }
}

/**
 * Refuses, before anything runs, a selection that matches nothing or a partition range that
 * does not fit a selected asset, with the runtime's own message.
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

function outcomeOf({ plan, run }: MaterializeOutcome): LocalRunOutcome {
  if (run === undefined) {
    return {
      status: "succeeded",
      steps: [],
      note: `Nothing to do: none of the selected partitions needs a run (${plan.fresh} fresh)`,
    };
  }
  const failed = run.steps.find((step) => step.status === "failed");
  return {
    status: run.status === "succeeded" || run.status === "cancelled" ? run.status : "failed",
    steps: run.steps.map(stepView),
    error: failed &&
      `${failed.assetKey} ${displayPartition(failed.partition)} failed: ${failed.reason}`,
  };
}

function notYet(what: string): UiRequestError {
  return new UiRequestError(
    `Cannot ${what} yet: model aliases are not available in this UI yet (the alias store is ` +
      "not wired); use `deno task models` when it lands",
  );
}
