// A ModelSource held in memory: tests and the bench set its snapshot and it tells the watchers,
// as the store-backed source does when the champion alias moves.
import type { ModelSnapshot, ModelSource } from "./model_source.ts";

export class MemoryModelSource implements ModelSource {
  #snapshot: ModelSnapshot | undefined;
  readonly #watchers = new Set<() => void>();

  constructor(snapshot?: ModelSnapshot) {
    this.#snapshot = snapshot;
  }

  current(): Promise<ModelSnapshot | undefined> {
    return Promise.resolve(this.#snapshot);
  }

  watch(onChange: () => void): () => void {
    const watcher = () => onChange();
    this.#watchers.add(watcher);
    return () => this.#watchers.delete(watcher);
  }

  /** Replaces the snapshot (undefined: no champion) and notifies every watcher. */
  set(snapshot: ModelSnapshot | undefined): void {
    this.#snapshot = snapshot;
    for (const watcher of [...this.#watchers]) watcher();
  }

  get watchers(): number {
    return this.#watchers.size;
  }
}
