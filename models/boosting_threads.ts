// The training thread's handle on its histogram helpers: starts them with the arena, and runs
// a task by publishing its units and claiming them alongside the helpers, so a helper the
// scheduler leaves waiting costs at most the unit it holds; one thread means no helper at all.
import { workUnits } from "./boosting_tasks.ts";
import type { HelperStart } from "./boosting_thread_worker.ts";
import { waitFor } from "./thread_waits.ts";
import { CONTROL, TaskKind, type TrainingArena } from "./training_arena.ts";

export class BoostingThreads {
  readonly #arena: TrainingArena;
  /** The helpers this thread started (none when they came through ports). */
  readonly #workers: Worker[];
  readonly #helpers: number;

  private constructor(arena: TrainingArena, workers: Worker[], helpers: number) {
    this.#arena = arena;
    this.#workers = workers;
    this.#helpers = helpers;
  }

  /**
   * Starts `arena.threads - 1` helpers and waits until each is listening. With `ports` (one per
   * helper, each leading to a helper Worker its owner started), the helpers are reached through
   * them instead of started here: Deno starts a Worker started by a Worker, and delivers its
   * messages, about half a second late each (measured 2026-12-02, Deno 2.9.6), so a training
   * Worker takes helpers started by its own parent.
   */
  static async start(
    arena: TrainingArena,
    ports?: readonly MessagePort[],
  ): Promise<BoostingThreads> {
    const helpers = arena.threads - 1;
    if (ports !== undefined && ports.length === helpers) {
      await Promise.all(ports.map((port, index) => helperReady(port, arena, index + 1)));
      return new BoostingThreads(arena, [], helpers);
    }
    const workers: Worker[] = [];
    const ready: Promise<void>[] = [];
    for (let thread = 1; thread <= helpers; thread++) {
      const worker = new Worker(new URL("./boosting_thread_worker.ts", import.meta.url), {
        type: "module",
      });
      ready.push(
        new Promise((resolve, reject) => {
          worker.onmessage = () => resolve();
          worker.onerror = (event) => {
            event.preventDefault();
            reject(new Error(`A histogram thread failed to start: ${event.message}`));
          };
        }),
      );
      const start: HelperStart = { buffers: arena.buffers, thread };
      worker.postMessage(start);
      workers.push(worker);
    }
    try {
      await Promise.all(ready);
    } catch (error) {
      for (const worker of workers) worker.terminate();
      throw error;
    }
    for (const worker of workers) worker.onmessage = null;
    return new BoostingThreads(arena, workers, helpers);
  }

  /**
   * Runs task `kind` over `units` units (written to the arena before) and returns when every
   * unit is done, by whichever thread claimed it. `alongside`, work that does not touch the
   * task's data, runs on this thread once the task is published, while the helpers start on it.
   */
  run(kind: number, units: number, alongside?: () => void): void {
    const { control, claim } = this.#arena;
    if (units === 0) return;
    const generation = control[CONTROL.generation] + 1;
    // Order matters: the claim moves to the new task first, so a helper still looping on the
    // previous one can never claim a unit with the new count; the generation goes last, so a
    // helper that sees it sees the task's kind and count too.
    Atomics.store(control, CONTROL.done, 0);
    Atomics.store(claim, 0, BigInt(generation) << 32n);
    Atomics.store(control, CONTROL.units, units);
    Atomics.store(control, CONTROL.kind, kind);
    Atomics.store(control, CONTROL.generation, generation);
    if (this.#helpers > 0) Atomics.notify(control, CONTROL.generation);
    try {
      alongside?.();
    } finally {
      // Even when `alongside` threw: the task's units finish before its data is released.
      workUnits(this.#arena, generation, 0);
      waitFor(control, CONTROL.done, units);
    }
    if (Atomics.load(control, CONTROL.failed) === 1) {
      throw new Error(`A boosting thread failed in ${this.#arena.readFailure()}`);
    }
  }

  /** Tells the helpers to exit and ends them. */
  close(): void {
    if (this.#helpers === 0) return;
    const { control } = this.#arena;
    Atomics.store(control, CONTROL.kind, TaskKind.exit);
    Atomics.add(control, CONTROL.generation, 1);
    Atomics.notify(control, CONTROL.generation);
    waitFor(control, CONTROL.exited, this.#helpers);
    for (const worker of this.#workers) worker.terminate();
  }
}

/** Sends a helper its start over `port` and resolves when it says it is listening. */
function helperReady(port: MessagePort, arena: TrainingArena, thread: number): Promise<void> {
  return new Promise((resolve) => {
    port.onmessage = () => {
      port.onmessage = null;
      port.close();
      resolve();
    };
    const start: HelperStart = { buffers: arena.buffers, thread };
    port.postMessage(start);
  });
}
