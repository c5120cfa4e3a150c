// Holds the model being served and swaps in new ones: a new model is loaded and warmed beside
// the current one, then replaces it in one assignment; a request leases the model it starts
// with, and a replaced model's session is released only when its last lease ends.
import type { ModelSource } from "./model_source.ts";
import type { ModelLoader, ServingModel } from "./serving_model.ts";

export interface ModelLease {
  readonly model: ServingModel;
  /** Ends the lease; later calls do nothing. */
  release(): void;
}

export type LoadOutcome =
  | { readonly outcome: "loaded"; readonly version: string; readonly previous?: string }
  | { readonly outcome: "unchanged"; readonly version: string }
  | { readonly outcome: "empty"; readonly previous?: string };

export type HolderEvent =
  /** After every load attempt: its outcome, or the error that left the old model in place. */
  | { readonly kind: "load"; readonly result: LoadOutcome; readonly ms: number }
  | { readonly kind: "load_failed"; readonly error: Error; readonly ms: number }
  /** A replaced model's session was released, after its last request finished. */
  | { readonly kind: "released"; readonly version: string }
  | { readonly kind: "release_failed"; readonly version: string; readonly error: Error };

export type HolderListener = (event: HolderEvent) => void;

interface Slot {
  readonly model: ServingModel;
  leases: number;
  retired: boolean;
}

export class ModelHolder {
  readonly #load: ModelLoader;
  readonly #listeners = new Set<HolderListener>();
  readonly #clock: () => number;
  #current: Slot | undefined;
  /** Loads run one at a time, in call order. */
  #queue: Promise<unknown> = Promise.resolve();
  /** A watch notification already queued covers every later one until it starts. */
  #watchPending = false;
  /** Replaced models with leases still open. */
  readonly #draining = new Set<Slot>();
  readonly #releases = new Set<Promise<void>>();
  readonly #idleWaiters: (() => void)[] = [];
  #closed = false;

  constructor(load: ModelLoader, clock: () => number = () => performance.now()) {
    this.#load = load;
    this.#clock = clock;
  }

  /** Calls `listener` on every load and release; returns the unsubscribe. */
  listen(listener: HolderListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Listeners observe; one that throws must not turn a completed swap into a failed load. */
  #emit(event: HolderEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // An observer's bug is its own; the holder's state is already consistent.
      }
    }
  }

  /** The current model's version, or undefined before the first load. */
  get version(): string | undefined {
    return this.#current?.model.version;
  }

  /** Leases the current model for one request, or returns undefined when there is none. */
  acquire(): ModelLease | undefined {
    const slot = this.#current;
    if (slot === undefined) return undefined;
    slot.leases++;
    let released = false;
    return {
      model: slot.model,
      release: () => {
        if (released) return;
        released = true;
        slot.leases--;
        if (slot.retired && slot.leases === 0) this.#dispose(slot);
      },
    };
  }

  /**
   * Loads the source's current model unless it is the version already served (`force` loads it
   * again anyway). A failed load throws and leaves the current model serving.
   */
  load(source: ModelSource, options: { readonly force?: boolean } = {}): Promise<LoadOutcome> {
    return this.#enqueue(() => this.#loadNow(source, options.force ?? false));
  }

  #enqueue(step: () => Promise<LoadOutcome>): Promise<LoadOutcome> {
    const run = this.#queue.then(step);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Loads the source now and again whenever it signals a change; returns the unsubscribe. Load
   * failures are reported through the events, not thrown, so a bad candidate never stops serving.
   */
  follow(source: ModelSource): { readonly ready: Promise<void>; readonly stop: () => void } {
    const stop = source.watch(() => {
      if (this.#watchPending || this.#closed) return;
      this.#watchPending = true;
      this.#enqueue(() => {
        this.#watchPending = false;
        return this.#loadNow(source, false);
      }).catch(() => undefined);
    });
    return { ready: this.load(source).then(() => undefined, () => undefined), stop };
  }

  /**
   * Stops loading, retires the current model and resolves when every model's session has been
   * released, that is after the last leased request ends.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#queue;
    const slot = this.#current;
    this.#current = undefined;
    if (slot) this.#retire(slot);
    await new Promise<void>((resolve) => {
      this.#idleWaiters.push(resolve);
      this.#wakeIfIdle();
    });
  }

  #wakeIfIdle(): void {
    if (this.#draining.size > 0 || this.#releases.size > 0) return;
    for (const wake of this.#idleWaiters.splice(0)) wake();
  }

  /** Models loaded and not yet released: the current one and replaced ones still leased. */
  get liveModels(): number {
    return (this.#current ? 1 : 0) + this.#draining.size;
  }

  async #loadNow(source: ModelSource, force: boolean): Promise<LoadOutcome> {
    if (this.#closed) {
      throw new Error("Cannot load a model as the holder is closed: create a new ModelHolder");
    }
    const previous = this.#current?.model.version;
    const started = this.#clock();
    try {
      const snapshot = await source.current();
      let result: LoadOutcome;
      if (snapshot === undefined) {
        result = { outcome: "empty", previous };
      } else if (!force && snapshot.version === previous) {
        result = { outcome: "unchanged", version: previous };
      } else {
        const model = await this.#load(snapshot);
        const old = this.#current;
        this.#current = { model, leases: 0, retired: false };
        if (old) this.#retire(old);
        result = { outcome: "loaded", version: model.version, previous };
      }
      this.#emit({ kind: "load", result, ms: this.#clock() - started });
      return result;
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      this.#emit({ kind: "load_failed", error: failure, ms: this.#clock() - started });
      throw failure;
    }
  }

  #retire(slot: Slot): void {
    slot.retired = true;
    if (slot.leases === 0) this.#dispose(slot);
    else this.#draining.add(slot);
  }

  #dispose(slot: Slot): void {
    this.#draining.delete(slot);
    const version = slot.model.version;
    const release = slot.model.scorer.release().then(
      () => this.#emit({ kind: "released", version }),
      (error) => this.#emit({ kind: "release_failed", version, error: error as Error }),
    ).finally(() => {
      this.#releases.delete(release);
      this.#wakeIfIdle();
    });
    this.#releases.add(release);
  }
}
