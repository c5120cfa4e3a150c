// A histogram helper thread: receives the arena's buffers once, then, each time the training
// thread publishes a task, claims and runs its units until none is left, until told to exit.
// It blocks on Atomics, not on messages. The buffers come either from its parent (the training
// thread started it) or over a MessagePort from a sibling training Worker (see train_worker.ts).
/// <reference lib="deno.worker" />
import { workUnits } from "./boosting_tasks.ts";
import { waitForChange } from "./thread_waits.ts";
import { type ArenaBuffers, CONTROL, TaskKind, TrainingArena } from "./training_arena.ts";

/** The one message a helper receives with the arena. */
export interface HelperStart {
  readonly buffers: ArenaBuffers;
  readonly thread: number;
}

/** Sent instead of a HelperStart: the port its HelperStart will come over. */
export interface HelperPort {
  readonly port: MessagePort;
}

self.onmessage = (event: MessageEvent<HelperStart | HelperPort>) => {
  const message = event.data;
  if ("port" in message) {
    const { port } = message;
    port.onmessage = (start: MessageEvent<HelperStart>) => {
      port.onmessage = null;
      serve(start.data, () => port.postMessage("ready"));
      port.close();
      self.close();
    };
    return;
  }
  serve(message, () => self.postMessage("ready"));
  self.close();
};

/** Says it is ready, then runs the tasks the training thread publishes until the exit task. */
function serve(start: HelperStart, ready: () => void): void {
  const arena = new TrainingArena(start.buffers);
  const { control } = arena;
  let seen = Atomics.load(control, CONTROL.generation);
  ready();
  for (;;) {
    waitForChange(control, CONTROL.generation, seen);
    seen = Atomics.load(control, CONTROL.generation);
    if (Atomics.load(control, CONTROL.kind) === TaskKind.exit) break;
    // A helper that wakes late finds the units claimed (or a newer task) and waits again.
    workUnits(arena, seen, start.thread);
  }
  Atomics.add(control, CONTROL.exited, 1);
  Atomics.notify(control, CONTROL.exited);
}
