// "The model may have changed": a set of watchers told at once, for model sources whose changes
// come from elsewhere (a notification, a poll, a test setting a snapshot).

export class ChangeSignal {
  readonly #watchers = new Set<() => void>();

  /** Calls `onChange` on every fire(); returns the unsubscribe. */
  watch(onChange: () => void): () => void {
    const watcher = () => onChange();
    this.#watchers.add(watcher);
    return () => this.#watchers.delete(watcher);
  }

  /** Tells every watcher; one subscribed during the call waits for the next. */
  fire(): void {
    for (const watcher of [...this.#watchers]) watcher();
  }

  get watchers(): number {
    return this.#watchers.size;
  }
}
