// Runs this UI process works itself (no daemon takes them): each in the background with its own
// abort signal, its log kept in memory as it is written so the run page tails it at once (the
// store receives a run's log in batches), and its outcome kept after it ends, including a run
// that found nothing to do and so never reached the store. The newest `capacity` are kept.
import type { LogEvent, LogSink } from "../../runtime/logger.ts";
import { RunWaiters } from "./run_waiters.ts";
import { logLineView } from "./store_views.ts";
import type { LogLine, RunStatus, RunStep, RunSummary, UiClock } from "./ui_data.ts";

/** What a local run's work reports when it ends. */
export interface LocalRunOutcome {
  readonly status: Exclude<RunStatus, "queued" | "running">;
  readonly steps: readonly RunStep[];
  /** Why it failed. */
  readonly error?: string;
  /** What it found, e.g. that there was nothing to do. */
  readonly note?: string;
}

export interface LocalRunWork {
  readonly signal: AbortSignal;
  /** Where the run's log events go (shown live on its page). */
  readonly sink: LogSink;
  /** Call when the work leaves the queue and starts. */
  started(): void;
}

export interface LocalRunRecord {
  readonly summary: RunSummary;
  readonly steps: readonly RunStep[];
  readonly logs: readonly LogLine[];
}

interface Entry {
  summary: RunSummary;
  steps: readonly RunStep[];
  readonly logs: LogLine[];
  readonly abort: AbortController;
  readonly done: Promise<void>;
}

export class LocalRuns {
  readonly #runs = new Map<string, Entry>();
  readonly #waiters = new RunWaiters();
  readonly #listeners = new Set<(id: string, status: RunStatus) => void>();

  constructor(
    private readonly clock: UiClock,
    private readonly capacity = 100,
    private readonly reportError: (error: unknown) => void = (e) => console.error(e),
  ) {}

  /** Starts `work` in the background as run `summary.id`, queued until it calls started(). */
  start(
    summary: Omit<RunSummary, "status" | "queuedAt">,
    work: (run: LocalRunWork) => Promise<LocalRunOutcome>,
  ): void {
    const abort = new AbortController();
    const logs: LogLine[] = [];
    const id = summary.id;
    let resolveDone!: () => void;
    const entry: Entry = {
      summary: { ...summary, status: "queued", queuedAt: this.clock.now().toISOString() },
      steps: [],
      logs,
      abort,
      done: new Promise((resolve) => resolveDone = resolve),
    };
    this.#runs.set(id, entry);
    this.#trim();
    const sink: LogSink = (event: LogEvent) => {
      logs.push(logLineView(event, logs.length + 1));
      this.#wake(id);
    };
    const started = () => this.#update(id, { status: "running", startedAt: this.#now() });
    // A microtask later, so the caller has the id before the first line is written.
    queueMicrotask(async () => {
      try {
        const outcome = await work({ signal: abort.signal, sink, started });
        entry.steps = outcome.steps;
        this.#update(id, {
          status: outcome.status,
          startedAt: entry.summary.startedAt ?? this.#now(),
          endedAt: this.#now(),
          error: outcome.error,
          note: outcome.note,
        });
      } catch (error) {
        this.reportError(error);
        const message = error instanceof Error ? error.message : String(error);
        sink({ at: this.clock.now(), level: "error", message, fields: {} });
        this.#update(id, {
          status: abort.signal.aborted ? "cancelled" : "failed",
          endedAt: this.#now(),
          error: message,
        });
      } finally {
        resolveDone();
      }
    });
  }

  has(id: string): boolean {
    return this.#runs.has(id);
  }

  get(id: string): LocalRunRecord | undefined {
    const entry = this.#runs.get(id);
    return entry && { summary: entry.summary, steps: entry.steps, logs: entry.logs };
  }

  /** Newest first. */
  list(): RunSummary[] {
    return [...this.#runs.values()].map((entry) => entry.summary).reverse();
  }

  /** Lines after `afterSeq`, oldest first, at most `limit`. */
  logs(id: string, afterSeq: number, limit: number): LogLine[] {
    return this.#runs.get(id)?.logs.slice(afterSeq, afterSeq + limit) ?? [];
  }

  /** Resolves on the run's next line or status change, or when `signal` aborts. */
  wait(id: string, signal: AbortSignal): Promise<void> {
    return this.#waiters.wait(id, signal);
  }

  /** Aborts a live run; false when it is not one of ours or already over. */
  cancel(id: string): boolean {
    const entry = this.#runs.get(id);
    if (!entry || !isLive(entry.summary.status)) return false;
    entry.abort.abort(new Error("cancelled from the UI"));
    return true;
  }

  /** Called with each status change (the UI drops its cached statuses on them). */
  onStatus(listener: (id: string, status: RunStatus) => void): void {
    this.#listeners.add(listener);
  }

  /** Resolves when run `id` has ended (at once for an unknown id). */
  async settled(id: string): Promise<void> {
    await this.#runs.get(id)?.done;
  }

  /** Aborts every live run and waits for them to end (shutdown). */
  async cancelAll(): Promise<void> {
    const live = [...this.#runs.values()].filter((entry) => isLive(entry.summary.status));
    for (const entry of live) entry.abort.abort(new Error("the UI is shutting down"));
    await Promise.all(live.map((entry) => entry.done));
  }

  #update(id: string, change: Partial<RunSummary>): void {
    const entry = this.#runs.get(id);
    if (!entry) return;
    entry.summary = { ...entry.summary, ...change };
    if (change.status) { for (const listener of this.#listeners) listener(id, change.status); }
    this.#wake(id);
  }

  #wake(id: string): void {
    this.#waiters.wake(id);
  }

  #now(): string {
    return this.clock.now().toISOString();
  }

  /** Forgets the oldest finished runs past the capacity (live ones are always kept). */
  #trim(): void {
    for (const [id, entry] of this.#runs) {
      if (this.#runs.size <= this.capacity) return;
      if (!isLive(entry.summary.status)) this.#runs.delete(id);
    }
  }
}

function isLive(status: RunStatus): boolean {
  return status === "queued" || status === "running";
}
