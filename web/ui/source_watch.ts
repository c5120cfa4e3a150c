// The UI's view of its observable sources: it observes them (as `deno task assets` does) when it
// starts and then every interval, records what changed in the store, and keeps what each source
// last said about itself (landed days, Kafka lag) for its page and the JSON API.
import type { JsonValue } from "../../runtime/definitions/context.ts";
import type { ObservedSource } from "../../runtime/execution/observe.ts";
import type { UiClock } from "./ui_data.ts";

export interface ObservedSourceView {
  /** When the round that observed it began. */
  readonly at: Date;
  readonly metadata: Readonly<Record<string, JsonValue>>;
}

export interface SourceWatchOptions {
  /** Observes every source and records what changed (runtime observeSources). */
  readonly observe: () => Promise<readonly ObservedSource[]>;
  readonly clock: UiClock;
  /**
   * Where a failed round is reported (it is retried on the next one). A source that fails alone
   * is logged by observeSources and keeps its last observation.
   */
  readonly reportError?: (error: unknown) => void;
}

export class SourceWatch {
  readonly #latest = new Map<string, ObservedSourceView>();
  readonly #listeners = new Set<() => void>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #round: Promise<void> | undefined;

  constructor(private readonly options: SourceWatchOptions) {}

  latest(key: string): ObservedSourceView | undefined {
    return this.#latest.get(key);
  }

  /** Called after each round that found any source changed. */
  onChange(listener: () => void): void {
    this.#listeners.add(listener);
  }

  /** One round now; a round already under way is shared, not doubled. */
  observeNow(): Promise<void> {
    return this.#round ??= this.#observe().finally(() => this.#round = undefined);
  }

  /** A round now and then every `intervalMs`. */
  start(intervalMs: number): void {
    void this.observeNow();
    this.#timer = setInterval(() => void this.observeNow(), intervalMs);
  }

  /** Stops the timer and waits for a round under way. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#round;
  }

  async #observe(): Promise<void> {
    const at = this.options.clock.now();
    try {
      const observed = await this.options.observe();
      for (const source of observed) {
        this.#latest.set(source.key, { at, metadata: source.metadata });
      }
      if (observed.some((source) => source.changed > 0)) {
        for (const listener of this.#listeners) listener();
      }
    } catch (error) {
      (this.options.reportError ?? console.error)(error);
    }
  }
}
