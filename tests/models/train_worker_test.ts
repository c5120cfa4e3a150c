// Training in a Worker: the same model as in-thread training, logs streamed per round, the
// arrays transferred (or copied on request) and errors typed as they were thrown.
import assert from "node:assert/strict";
import { trainGbdt } from "../../models/gbdt_trainer.ts";
import { ModelInputError } from "../../models/model_errors.ts";
import { trainInWorker } from "../../models/train_worker.ts";
import { fraudLike } from "./_training_sets.ts";

Deno.test("trainInWorker() returns the model trainGbdt() trains, streaming every round", async () => {
  const params = { rounds: 12, seed: 3 };
  const expected = await trainGbdt(fraudLike(2_000, 1), fraudLike(500, 2), params);
  const rounds: number[] = [];
  const result = await trainInWorker(
    fraudLike(2_000, 1),
    fraudLike(500, 2),
    params,
    (log) => rounds.push(log.round),
  );
  assert.equal(JSON.stringify(result.model), JSON.stringify(expected.model));
  assert.deepEqual(result.history, expected.history);
  assert.deepEqual(rounds, expected.history.map((log) => log.round));
});

Deno.test("trainInWorker() on two threads, its helper started beside the Worker, trains one thread's model", async () => {
  const expected = await trainGbdt(fraudLike(3_000, 5), fraudLike(500, 6), {
    rounds: 8,
    threads: 1,
  });
  const result = await trainInWorker(fraudLike(3_000, 5), fraudLike(500, 6), {
    rounds: 8,
    threads: 2,
  });
  assert.equal(JSON.stringify(result.model), JSON.stringify(expected.model));
  assert.deepEqual(result.history, expected.history);
});

Deno.test("trainInWorker() transfers the arrays by default and copies them on request", async () => {
  const moved = fraudLike(500, 3);
  await trainInWorker(moved, undefined, { rounds: 2 });
  assert.equal(moved.features.byteLength, 0, "transferred: detached here");
  const kept = fraudLike(500, 3);
  await trainInWorker(kept, undefined, { rounds: 2 }, undefined, { transfer: false });
  assert.equal(kept.features.length, 500 * 6, "copied: still here");
});

Deno.test("trainInWorker() rejects with the trainer's own error", async () => {
  await assert.rejects(
    () => trainInWorker(fraudLike(100, 4), undefined, { learningRate: 2 }),
    (error: unknown) =>
      error instanceof ModelInputError &&
      error.message ===
        "Cannot train as 'learningRate' must be a number above 0 to 1: current value is 2",
  );
});
