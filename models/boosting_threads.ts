// The training thread's handle on its histogram helpers: starts them with the arena, and runs
// a task by publishing its units and claiming them alongside the helpers, so a helper the
// scheduler leaves waiting costs at most the unit it holds; one thread means no helper at all.
import { workUnits } from "./boosting_tasks.ts";
import type { HelperStart } from "./boosting_thread_worker.ts";
import { CONTROL, TaskKind, type TrainingArena } from "./training_arena.ts";

export class BoostingThreads {
  readonly #arena: TrainingArena;
  readonly #helpers: Worker[];

  private constructor(arena: TrainingArena, helpers: Worker[]) {
    this.#arena = arena;
    this.#helpers = helpers;
  }

  /** Starts `arena.threads - 1` helpers and waits until each is listening. */
  static async start(arena: TrainingArena): Promise<BoostingThreads> {
    const helpers: Worker[] = [];
    const ready: Promise<void>[] = [];
    for (let thread = 1; thread < arena.threads; thread++) {
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
      helpers.push(worker);
    }
    try {
      await Promise.all(ready);
    } catch (error) {
      for (const worker of helpers) worker.terminate();
      throw error;
    }
    for (const worker of helpers) worker.onmessage = null;
    return new BoostingThreads(arena, helpers);
  }

  /**
   * Runs task `kind` over `units` units (written to the arena before) and returns when every
   * unit is done, by whichever thread claimed it.
   */
  run(kind: number, units: number): void {
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
    if (this.#helpers.length > 0) Atomics.notify(control, CONTROL.generation);
    workUnits(this.#arena, generation, 0);
    waitFor(control, CONTROL.done, units);
    if (Atomics.load(control, CONTROL.failed) === 1) {
      throw new Error(`A boosting thread failed in ${this.#arena.readFailure()}`);
    }
  }

  /** Tells the helpers to exit and ends them. */
  close(): void {
    if (this.#helpers.length === 0) return;
    const { control } = this.#arena;
    Atomics.store(control, CONTROL.kind, TaskKind.exit);
    Atomics.add(control, CONTROL.generation, 1);
    Atomics.notify(control, CONTROL.generation);
    waitFor(control, CONTROL.exited, this.#helpers.length);
    for (const worker of this.#helpers) worker.terminate();
  }
}

/** Blocks until control[slot] reaches `count`. */
function waitFor(control: Int32Array, slot: number, count: number): void {
  for (;;) {
    const value = Atomics.load(control, slot);
    if (value >= count) return;
    Atomics.wait(control, slot, value);
  }
}
