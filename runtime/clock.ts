// Time as a dependency: the executor and the daemon read the clock and sleep through this, so
// tests inject a fake clock instead of sleeping.

export interface Clock {
  now(): Date;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
};

/**
 * A clock that starts at `startAt` and then advances with `base`: now() = startAt + the time
 * elapsed on `base` since this was made. Sleeps are `base`'s, so leases, timeouts and heartbeats
 * keep their real lengths while dates (partitions that exist, the default day) are pinned.
 */
export function shiftedClock(startAt: Date, base: Clock = systemClock): Clock {
  const offsetMs = startAt.getTime() - base.now().getTime();
  return {
    now: () => new Date(base.now().getTime() + offsetMs),
    sleep: (ms, signal) => base.sleep(ms, signal),
  };
}
