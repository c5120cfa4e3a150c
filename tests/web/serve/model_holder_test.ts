import assert from "node:assert/strict";
import { MemoryModelSource } from "../../../web/serve/memory_model_source.ts";
import { type HolderEvent, ModelHolder } from "../../../web/serve/model_holder.ts";
import type { ModelSnapshot } from "../../../web/serve/model_source.ts";
import type { Scores } from "../../../web/serve/onnx_scorer.ts";
import type { ModelLoader, ServingModel } from "../../../web/serve/serving_model.ts";
import { fixtureModel } from "./_fixture_model.ts";

/** Models whose scorers only record their release; the loader can be held open by a test. */
class FakeModels {
  readonly released: string[] = [];
  readonly loaded: string[] = [];
  gate: Promise<void> | undefined;
  failWith: Error | undefined;

  loader: ModelLoader = async (snapshot: ModelSnapshot): Promise<ServingModel> => {
    await this.gate;
    if (this.failWith) throw this.failWith;
    this.loaded.push(snapshot.version);
    const scores: Scores = { scores: new Float32Array(26), width: 26 };
    return {
      version: snapshot.version,
      model: snapshot.model,
      threshold: snapshot.model.threshold,
      bias: 0,
      parity: { rows: 0, maxAbsDiff: 0 },
      scorer: {
        features: 25,
        scoreRow: () => Promise.resolve(scores),
        scoreRows: () => Promise.resolve(scores),
        release: () => {
          this.released.push(snapshot.version);
          return Promise.resolve();
        },
      },
    };
  };
}

const snapshot = (version: string): ModelSnapshot => ({
  version,
  model: fixtureModel(),
  onnx: new Uint8Array(),
});

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

Deno.test("acquire() gives nothing before the first load and the model after it", async () => {
  const models = new FakeModels();
  const holder = new ModelHolder(models.loader);
  assert.equal(holder.acquire(), undefined);
  assert.equal(holder.version, undefined);
  const outcome = await holder.load(new MemoryModelSource(snapshot("v1")));
  assert.deepEqual(outcome, { outcome: "loaded", version: "v1", previous: undefined });
  const lease = holder.acquire()!;
  assert.equal(lease.model.version, "v1");
  lease.release();
  await holder.close();
  assert.deepEqual(models.released, ["v1"]);
});

Deno.test("a replaced model is released only when its last lease ends", async () => {
  const models = new FakeModels();
  const holder = new ModelHolder(models.loader);
  const source = new MemoryModelSource(snapshot("v1"));
  await holder.load(source);
  const first = holder.acquire()!;
  const second = holder.acquire()!;
  source.set(snapshot("v2"));
  await holder.load(source);
  assert.equal(holder.acquire()!.model.version, "v2");
  assert.equal(first.model.version, "v1", "a request keeps the model it started with");
  assert.equal(holder.liveModels, 2);
  first.release();
  first.release(); // a second release of the same lease changes nothing
  await Promise.resolve();
  assert.deepEqual(models.released, []);
  second.release();
  await Promise.resolve();
  assert.deepEqual(models.released, ["v1"]);
  assert.equal(holder.liveModels, 1);
});

Deno.test("the old model keeps serving while the new one loads and warms", async () => {
  const models = new FakeModels();
  const holder = new ModelHolder(models.loader);
  const source = new MemoryModelSource(snapshot("v1"));
  await holder.load(source);
  const gate = deferred();
  models.gate = gate.promise;
  source.set(snapshot("v2"));
  const loading = holder.load(source);
  await Promise.resolve();
  assert.equal(holder.acquire()?.model.version, "v1");
  gate.resolve();
  await loading;
  assert.equal(holder.version, "v2");
});

Deno.test("load() skips the version already served unless forced", async () => {
  const models = new FakeModels();
  const holder = new ModelHolder(models.loader);
  const source = new MemoryModelSource(snapshot("v1"));
  await holder.load(source);
  assert.deepEqual(await holder.load(source), { outcome: "unchanged", version: "v1" });
  assert.deepEqual(await holder.load(source, { force: true }), {
    outcome: "loaded",
    version: "v1",
    previous: "v1",
  });
  assert.deepEqual(models.loaded, ["v1", "v1"]);
  assert.deepEqual(models.released, ["v1"]);
});

Deno.test("a failed load throws and leaves the current model serving", async () => {
  const models = new FakeModels();
  const events: HolderEvent[] = [];
  const holder = new ModelHolder(models.loader, () => 0);
  holder.listen((event) => events.push(event));
  const source = new MemoryModelSource(snapshot("v1"));
  await holder.load(source);
  models.failWith = new Error("Cannot serve the model: broken");
  source.set(snapshot("v2"));
  await assert.rejects(() => holder.load(source), /broken/);
  assert.equal(holder.version, "v1");
  assert.deepEqual(events.map((event) => event.kind), ["load", "load_failed"]);
});

Deno.test("a source without a model leaves the current one in place", async () => {
  const models = new FakeModels();
  const holder = new ModelHolder(models.loader);
  const source = new MemoryModelSource(snapshot("v1"));
  await holder.load(source);
  source.set(undefined);
  assert.deepEqual(await holder.load(source), { outcome: "empty", previous: "v1" });
  assert.equal(holder.version, "v1");
});

Deno.test("follow() loads now and on every change, one load at a time, without throwing", async () => {
  const models = new FakeModels();
  const holder = new ModelHolder(models.loader);
  const source = new MemoryModelSource(snapshot("v1"));
  const following = holder.follow(source);
  await following.ready;
  assert.equal(holder.version, "v1");
  const gate = deferred();
  models.gate = gate.promise;
  source.set(snapshot("v2"));
  source.set(snapshot("v3"));
  source.set(snapshot("v4"));
  gate.resolve();
  await holder.load(source); // queued behind the watch's load
  assert.deepEqual(models.loaded, ["v1", "v4"], "notifications while one waits coalesce");
  models.failWith = new Error("bad candidate");
  source.set(snapshot("v5"));
  await holder.load(source).catch(() => undefined);
  assert.equal(holder.version, "v4");
  following.stop();
  assert.equal(source.watchers, 0);
  await holder.close();
});

Deno.test("close() resolves after the last leased request releases its model", async () => {
  const models = new FakeModels();
  const holder = new ModelHolder(models.loader);
  await holder.load(new MemoryModelSource(snapshot("v1")));
  const lease = holder.acquire()!;
  let closed = false;
  const closing = holder.close().then(() => (closed = true));
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(closed, false);
  assert.equal(holder.acquire(), undefined, "no new request gets a model once closing");
  lease.release();
  await closing;
  assert.deepEqual(models.released, ["v1"]);
});

Deno.test("a listener that throws does not fail the load it observes", async () => {
  const models = new FakeModels();
  const holder = new ModelHolder(models.loader);
  holder.listen(() => {
    throw new Error("observer bug");
  });
  const outcome = await holder.load(new MemoryModelSource(snapshot("v1")));
  assert.equal(outcome.outcome, "loaded");
  assert.equal(holder.version, "v1");
});
