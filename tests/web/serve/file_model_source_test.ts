import assert from "node:assert/strict";
import { join } from "node:path";
import { exportOnnx } from "../../../models/onnx_export.ts";
import {
  FileModelSource,
  onnxPathOf,
  SETTLED_AFTER_MS,
} from "../../../web/serve/file_model_source.ts";
import { fixtureModel, shiftedModel } from "./_fixture_model.ts";

async function withDir(use: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "sluice-serve-" });
  try {
    await use(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function writeModel(path: string, model = fixtureModel()): Promise<void> {
  await Deno.writeTextFile(path, JSON.stringify(model));
  await Deno.writeFile(onnxPathOf(path), exportOnnx(model));
}

Deno.test("onnxPathOf() puts the ONNX beside the model JSON", () => {
  assert.equal(onnxPathOf("/m/champion.json"), "/m/champion.onnx");
  assert.equal(onnxPathOf("/m/champion"), "/m/champion.onnx");
});

Deno.test("FileModelSource reads both files, versions them by content, and is empty without them", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "champion.json");
    const source = new FileModelSource(path);
    assert.equal(await source.current(), undefined);
    await writeModel(path);
    const first = (await source.current())!;
    assert.match(first.version, /^champion@[0-9a-f]{12}$/);
    assert.deepEqual(first.model, JSON.parse(JSON.stringify(fixtureModel())));
    assert.deepEqual([...first.onnx], [...exportOnnx(fixtureModel())]);
    assert.equal((await source.current())!.version, first.version, "same bytes, same version");
    await writeModel(path, shiftedModel(0.1));
    assert.notEqual((await source.current())!.version, first.version);
  });
});

Deno.test("FileModelSource says what is wrong with a broken model file", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "champion.json");
    await Deno.writeTextFile(path, JSON.stringify(fixtureModel()));
    await assert.rejects(
      () => new FileModelSource(path).current(),
      new RegExp(`^ModelLoadError: Cannot load ${path} as its ONNX must be beside it at`),
    );
    await Deno.writeFile(onnxPathOf(path), new Uint8Array([1]));
    await Deno.writeTextFile(path, JSON.stringify({ ...fixtureModel(), format: "other" }));
    await assert.rejects(
      () => new FileModelSource(path).current(),
      (error: Error) =>
        error.message.startsWith(
          `Cannot load ${path} as it must be a sluice.gbdt/1 model: format:`,
        ),
    );
    await Deno.writeTextFile(path, "{");
    await assert.rejects(() => new FileModelSource(path).current(), /as it is not JSON/);
  });
});

Deno.test("poll() signals a change of either file since the last read, once", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "champion.json");
    const source = new FileModelSource(path);
    let changes = 0;
    const stop = source.watch(() => changes++);
    assert.equal(await source.poll(), true, "never read: a load is due");
    await source.current();
    assert.equal(await source.poll(), false);
    await writeModel(path);
    assert.equal(await source.poll(), true);
    assert.equal(await source.poll(), true, "still different until the model is read again");
    await source.current();
    assert.equal(await source.poll(), false);
    await Deno.writeFile(onnxPathOf(path), exportOnnx(shiftedModel(0.2)));
    assert.equal(await source.poll(), true);
    assert.equal(changes, 4);
    stop();
  });
});

Deno.test("poll() sees a rewrite of the same size within one timestamp tick", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "champion.json");
    await writeModel(path);
    const source = new FileModelSource(path);
    await source.current();
    const onnx = await Deno.readFile(onnxPathOf(path));
    const { mtime } = await Deno.stat(onnxPathOf(path));
    // The same length, one byte of the producer's name changed, and the old mtime put back.
    const rewritten = onnx.slice();
    rewritten[rewritten.length - 1] ^= 1;
    await Deno.writeFile(onnxPathOf(path), rewritten);
    await Deno.utime(onnxPathOf(path), mtime!, mtime!);
    assert.equal(await source.poll(), true);
  });
});

Deno.test("poll() hashes a file again only when its stat changed or its last change is recent", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "champion.json");
    await writeModel(path);
    let now = Date.now();
    const source = new FileModelSource(path, { now: () => now });
    await source.current();
    assert.equal(source.digests, 2);
    assert.equal(await source.poll(), false);
    assert.equal(source.digests, 4, "just written: a same-tick rewrite is possible, so hash");
    now += SETTLED_AFTER_MS + 1000;
    assert.equal(await source.poll(), false);
    assert.equal(await source.poll(), false);
    assert.equal(await source.poll(), false);
    assert.equal(source.digests, 6, "settled: hashed once more, then the stat suffices");
    // A rewrite of the same size with the old mtime put back, moved into place: a new inode.
    // (In place, its ctime moves: this clock runs ahead of the files' so cannot show that.)
    const onnx = await Deno.readFile(onnxPathOf(path));
    const { mtime } = await Deno.stat(onnxPathOf(path));
    const rewritten = onnx.slice();
    rewritten[rewritten.length - 1] ^= 1;
    await Deno.writeFile(`${onnxPathOf(path)}.new`, rewritten);
    await Deno.utime(`${onnxPathOf(path)}.new`, mtime!, mtime!);
    await Deno.rename(`${onnxPathOf(path)}.new`, onnxPathOf(path));
    assert.equal(await source.poll(), true);
    assert.equal(source.digests, 7, "only the rewritten file");
  });
});
