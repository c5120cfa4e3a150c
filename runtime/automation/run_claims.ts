// The daemon's run slots: claims queued requests while it has a free slot (at most `maxRuns` at
// once; tag limits are counted over every daemon by the store) and runs each in the background.
// Each slot can be aborted: by `runs cancel` (the request ends cancelled) or by shutdown (the
// request goes back to the queue).
import type { Clock } from "../clock.ts";
import { errorMessage } from "../errors.ts";
import type {
  DaemonId,
  RunRequestId,
  RunRequestRecord,
  TagLimit,
} from "../store/metadata_store.ts";
import type { DaemonMetrics } from "./daemon_metrics.ts";
import {
  executeRunRequest,
  type RunRequestEnvironment,
  type RunRequestOutcome,
} from "./execute_run_request.ts";

export interface StartedRun {
  readonly request: RunRequestRecord;
  /** From the tick or evaluation that asked for it to its start (ms); undefined if unknown. */
  readonly dueToStartMs: number | undefined;
}

interface Slot {
  readonly controller: AbortController;
  readonly done: Promise<RunRequestOutcome | undefined>;
}

export class RunSlots {
  readonly #slots = new Map<RunRequestId, Slot>();
  readonly #finished: RunRequestOutcome[] = [];
  #onFinish: () => void = () => {};

  constructor(
    private readonly env: RunRequestEnvironment & {
      readonly clock: Clock;
      readonly metrics?: DaemonMetrics;
    },
    private readonly maxRuns: number,
    private readonly tagLimits: readonly TagLimit[],
  ) {}

  get size(): number {
    return this.#slots.size;
  }

  get free(): number {
    return Math.max(0, this.maxRuns - this.#slots.size);
  }

  /** Called whenever a run ends (the daemon's worker wakes to fill the slot). */
  onFinish(listener: () => void): void {
    this.#onFinish = listener;
  }

  /** Claims and starts requests until the slots are full or the queue has nothing eligible. */
  async fill(daemonId: DaemonId): Promise<StartedRun[]> {
    const started: StartedRun[] = [];
    while (this.free > 0) {
      const began = performance.now();
      const request = await this.env.store.queue.claim(daemonId, this.tagLimits);
      this.env.metrics?.claimSeconds.observe((performance.now() - began) / 1000);
      if (request === undefined) break;
      const dueToStartMs = request.dueAt === undefined
        ? undefined
        : this.env.clock.now().getTime() - request.dueAt.getTime();
      if (dueToStartMs !== undefined) {
        this.env.metrics?.tickToStartSeconds.observe(
          { origin: request.origin },
          Math.max(0, dueToStartMs) / 1000,
        );
      }
      this.#start(daemonId, request);
      started.push({ request, dueToStartMs });
    }
    return started;
  }

  /** Asks one running request to stop; it ends cancelled. */
  cancel(id: RunRequestId): boolean {
    const slot = this.#slots.get(id);
    if (slot === undefined || slot.controller.signal.aborted) return false;
    slot.controller.abort(new Error(`request ${id} cancelled`));
    return true;
  }

  /** Aborts every run with `reason` (a DaemonShutdown puts them back in the queue). */
  abortAll(reason: Error): void {
    for (const slot of this.#slots.values()) {
      if (!slot.controller.signal.aborted) slot.controller.abort(reason);
    }
  }

  /** Resolves when every run has ended, or after `timeoutMs`; true when all ended. */
  async settled(timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    const all = Promise.all([...this.#slots.values()].map((slot) => slot.done)).then(() => true);
    if (!Number.isFinite(timeoutMs)) return await all;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([all, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The outcomes of runs that ended since the last call. */
  takeFinished(): RunRequestOutcome[] {
    return this.#finished.splice(0);
  }

  #start(daemonId: DaemonId, request: RunRequestRecord): void {
    const controller = new AbortController();
    this.env.metrics?.running.inc();
    const done = executeRunRequest(request, this.env, {
      claimedBy: daemonId,
      signal: controller.signal,
      cancelPollMs: 0,
    }).then((outcome) => {
      this.env.metrics?.outcomes.inc({ status: outcome.status });
      const line = `request ${request.id} ${outcome.status}: ${outcome.message}`;
      if (outcome.status === "failed" || outcome.status === "lost") {
        this.env.log.warn(line, { request: request.id, run: outcome.runId });
      } else this.env.log.info(line, { request: request.id, run: outcome.runId });
      this.#finished.push(outcome);
      // Only the latest matter (stop() reports those); a long-lived daemon keeps no history.
      if (this.#finished.length > 1_000) this.#finished.splice(0, this.#finished.length - 1_000);
      return outcome;
    }, (error) => {
      this.env.log.error(`request ${request.id} could not be recorded: ${errorMessage(error)}`, {
        request: request.id,
      });
      return undefined;
    }).finally(() => {
      this.env.metrics?.running.dec();
      this.#slots.delete(request.id);
      this.#onFinish();
    });
    this.#slots.set(request.id, { controller, done });
  }
}
