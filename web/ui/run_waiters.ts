// Who waits for a run to change (a live log tail), and the wake-up when it does: each waiter is
// a promise that resolves on the run's next change or when its own signal aborts.

export class RunWaiters {
  readonly #waiters = new Map<string, Set<() => void>>();

  /** Resolves on the next wake(id), or when `signal` aborts. */
  wait(id: string, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      let waiters = this.#waiters.get(id);
      if (!waiters) this.#waiters.set(id, waiters = new Set());
      const done = () => {
        waiters.delete(done);
        if (waiters.size === 0) this.#waiters.delete(id);
        signal.removeEventListener("abort", done);
        resolve();
      };
      waiters.add(done);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  wake(id: string): void {
    for (const waiter of [...this.#waiters.get(id) ?? []]) waiter();
  }
}
