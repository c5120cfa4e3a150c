// A clock for tests: time moves only when a test advances it or something sleeps, and every
// sleep is recorded, so backoff and freshness are tested without waiting.
import type { Clock } from "../../runtime/clock.ts";

export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  #now: number;

  constructor(start = new Date("2026-11-02T12:00:00Z")) {
    this.#now = start.getTime();
  }

  now(): Date {
    return new Date(this.#now);
  }

  advance(ms: number): void {
    this.#now += ms;
  }

  set(at: Date): void {
    this.#now = at.getTime();
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    this.sleeps.push(ms);
    this.#now += ms;
    // Yield so other steps run, as they would while a real sleep waits.
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (signal?.aborted) throw signal.reason;
  }
}
