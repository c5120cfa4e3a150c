// A ModelSource held in memory: tests and the bench set its snapshot and it tells the watchers,
// as the store-backed source does when the champion alias moves.
import { ChangeSignal } from "./change_signal.ts";
import type { ModelSnapshot, ModelSource } from "./model_source.ts";

export class MemoryModelSource implements ModelSource {
  #snapshot: ModelSnapshot | undefined;
  readonly #changes = new ChangeSignal();

  constructor(snapshot?: ModelSnapshot) {
    this.#snapshot = snapshot;
  }

  current(): Promise<ModelSnapshot | undefined> {
    return Promise.resolve(this.#snapshot);
  }

  watch(onChange: () => void): () => void {
    return this.#changes.watch(onChange);
  }

  /** Replaces the snapshot (undefined: no champion) and notifies every watcher. */
  set(snapshot: ModelSnapshot | undefined): void {
    this.#snapshot = snapshot;
    this.#changes.fire();
  }

  get watchers(): number {
    return this.#changes.watchers;
  }
}
