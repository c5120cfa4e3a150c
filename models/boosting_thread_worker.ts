// A histogram helper thread: receives the arena's buffers once, then runs its share of each
// task the training thread starts, until told to exit. It blocks on Atomics, not on messages.
/// <reference lib="deno.worker" />
import { runTask } from "./boosting_tasks.ts";
import { type ArenaBuffers, CONTROL, TaskKind, TrainingArena } from "./training_arena.ts";

/** The one message a helper receives. */
export interface HelperStart {
  readonly buffers: ArenaBuffers;
  readonly thread: number;
}

self.onmessage = (event: MessageEvent<HelperStart>) => {
  const arena = new TrainingArena(event.data.buffers);
  const { control } = arena;
  let seen = Atomics.load(control, CONTROL.generation);
  self.postMessage("ready");
  for (;;) {
    Atomics.wait(control, CONTROL.generation, seen);
    seen = Atomics.load(control, CONTROL.generation);
    const exit = control[CONTROL.kind] === TaskKind.exit;
    if (!exit) {
      try {
        runTask(arena, event.data.thread);
      } catch (error) {
        Atomics.store(control, CONTROL.failed, 1);
        self.postMessage({ error: String(error) });
      }
    }
    Atomics.add(control, CONTROL.done, 1);
    Atomics.notify(control, CONTROL.done);
    if (exit) break;
  }
  self.close();
};
