// The training thread's handle on its histogram helpers: starts them with the arena, runs a
// task on every thread (its own share inline) and returns when all are done; one thread means
// no helper at all.
import { runTask } from "./boosting_tasks.ts";
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

  /** Runs task `kind` (its parameters already in the arena) on every thread, blocking. */
  run(kind: number): void {
    const { control } = this.#arena;
    control[CONTROL.kind] = kind;
    if (this.#helpers.length > 0) {
      Atomics.store(control, CONTROL.done, 0);
      Atomics.add(control, CONTROL.generation, 1);
      Atomics.notify(control, CONTROL.generation);
    }
    runTask(this.#arena, 0);
    this.#waitForHelpers();
    if (Atomics.load(control, CONTROL.failed) === 1) {
      throw new Error(`A histogram thread failed during task ${kind}; see its error above`);
    }
  }

  #waitForHelpers(): void {
    const { control } = this.#arena;
    const helpers = this.#helpers.length;
    for (;;) {
      const done = Atomics.load(control, CONTROL.done);
      if (done >= helpers) return;
      Atomics.wait(control, CONTROL.done, done);
    }
  }

  /** Tells the helpers to exit and ends them. */
  close(): void {
    if (this.#helpers.length === 0) return;
    const { control } = this.#arena;
    control[CONTROL.kind] = TaskKind.exit;
    Atomics.store(control, CONTROL.done, 0);
    Atomics.add(control, CONTROL.generation, 1);
    Atomics.notify(control, CONTROL.generation);
    this.#waitForHelpers();
    for (const worker of this.#helpers) worker.terminate();
  }
}
