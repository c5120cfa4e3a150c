// How the boosting threads wait for each other on a shared control slot: a short spin, then
// Atomics.wait.
/**
 * How long a thread spins on a control slot before it sleeps in Atomics.wait. A tree's tasks
 * follow each other within microseconds, and waking a sleeping thread costs tens of them, each
 * time, on every one of a training's thousands of tasks (several per tree level); a round's
 * longer gaps end the spin and the thread sleeps. Kept short: on a machine busy with other
 * work, a spinning thread takes a core another process wanted.
 */
const SPIN_MS = 0.05;

/** Blocks until control[slot] reaches `count`, spinning first. */
export function waitFor(control: Int32Array, slot: number, count: number): void {
  const until = performance.now() + SPIN_MS;
  for (let spins = 1;; spins++) {
    const value = Atomics.load(control, slot);
    if (value >= count) return;
    if ((spins & 63) === 0 && performance.now() > until) Atomics.wait(control, slot, value);
  }
}

/** Blocks until control[slot] is no longer `value`, spinning first (see SPIN_MS). */
export function waitForChange(control: Int32Array, slot: number, value: number): void {
  const until = performance.now() + SPIN_MS;
  for (let spins = 1; Atomics.load(control, slot) === value; spins++) {
    if ((spins & 63) === 0 && performance.now() > until) Atomics.wait(control, slot, value);
  }
}
