// A histogram helper thread: receives the arena's buffers once, then, each time the training
// thread publishes a task, claims and runs its units until none is left, until told to exit.
// It blocks on Atomics, not on messages.
/// <reference lib="deno.worker" />
import { workUnits } from "./boosting_tasks.ts";
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
    if (Atomics.load(control, CONTROL.kind) === TaskKind.exit) break;
    // A helper that wakes late finds the units claimed (or a newer task) and waits again.
    workUnits(arena, seen, event.data.thread);
  }
  Atomics.add(control, CONTROL.exited, 1);
  Atomics.notify(control, CONTROL.exited);
  self.close();
};
