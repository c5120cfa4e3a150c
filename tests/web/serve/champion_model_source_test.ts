// The champion as serve reads it from the metadata store and the lake: no champion is no model;
// a champion is its version's model.json and model.onnx, named by the version's label and read
// once; a moved champion is the new version; a version without a model is a clear load error.
import assert from "node:assert/strict";
import { join } from "node:path";
import { CHAMPION, FRAUD_DETECTOR_KEY } from "../../../models/model_versions.ts";
import { exportOnnx } from "../../../models/onnx_export.ts";
import { FsLake } from "../../../resources/lake/fs_lake.ts";
import { openMetadataStore } from "../../../resources/postgres/open_metadata_store.ts";
import type { MetadataStore } from "../../../runtime/store/metadata_store.ts";
import { ChangeSignal } from "../../../web/serve/change_signal.ts";
import { ChampionModelSource } from "../../../web/serve/champion_model_source.ts";
import { ModelHolder } from "../../../web/serve/model_holder.ts";
import { ModelLoadError, onnxModelLoader } from "../../../web/serve/serving_model.ts";
import { commitModelVersion, moveChampion } from "./_champion_store.ts";
import { fixtureModel, shiftedModel } from "./_fixture_model.ts";

interface Fixture {
  readonly store: MetadataStore;
  readonly lake: FsLake;
  readonly changes: ChangeSignal;
  readonly source: ChampionModelSource;
}

async function withSource(fn: (fixture: Fixture) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "sluice-champion-" });
  const store = await openMetadataStore({ embeddedDir: ":memory:" });
  try {
    const lake = new FsLake({ root: dir });
    const changes = new ChangeSignal();
    const source = new ChampionModelSource({
      current: () => store.aliases.current(FRAUD_DETECTOR_KEY, CHAMPION),
      watch: (onChange) => changes.watch(onChange),
    }, lake);
    await fn({ store, lake, changes, source });
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const pglite = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "ChampionModelSource has no model while the champion points nowhere",
  ...pglite,
  fn: () =>
    withSource(async ({ store, lake, source }) => {
      await commitModelVersion(store, lake, fixtureModel(), "2026-11-20");
      assert.equal(await source.current(), undefined);
    }),
});

Deno.test({
  name:
    "ChampionModelSource serves the champion's model.json and model.onnx under its version label, read once",
  ...pglite,
  fn: () =>
    withSource(async ({ store, lake, source }) => {
      const model = fixtureModel();
      const version = await commitModelVersion(store, lake, model, "2026-11-20");
      await moveChampion(store, version);
      const snapshot = await source.current();
      assert.equal(snapshot?.version, version.id.slice(0, 8));
      assert.equal(snapshot?.version, version.label);
      assert.deepEqual(snapshot?.model, model);
      assert.deepEqual(snapshot?.onnx, new Uint8Array(exportOnnx(model)));
      assert.equal(await source.current(), snapshot, "the same version is not read again");
      assert.equal(source.lastTarget?.partition, "2026-11-20");
    }),
});

Deno.test({
  name: "ChampionModelSource follows the champion to another version, and back",
  ...pglite,
  fn: () =>
    withSource(async ({ store, lake, source }) => {
      const first = await commitModelVersion(store, lake, fixtureModel(), "2026-11-20");
      const second = await commitModelVersion(store, lake, shiftedModel(0.5), "2026-11-21");
      await moveChampion(store, first);
      assert.equal((await source.current())?.version, first.label);
      await moveChampion(store, second);
      const moved = await source.current();
      assert.equal(moved?.version, second.label);
      assert.deepEqual(moved?.model, shiftedModel(0.5));
      await moveChampion(store, first, "rollback");
      assert.equal((await source.current())?.version, first.label);
    }),
});

Deno.test({
  name:
    "ChampionModelSource refuses a version without its model files, naming the file and what to do",
  ...pglite,
  fn: () =>
    withSource(async ({ store, lake, source }) => {
      const version = await commitModelVersion(store, lake, fixtureModel(), "2026-11-20");
      const target = await store.partitions.getMaterialization(version.id);
      const dir = (await lake.open(target!.location)).dir;
      await Deno.remove(join(dir, "model.onnx"));
      await moveChampion(store, version);
      await assert.rejects(source.current(), (error) => {
        assert.ok(error instanceof ModelLoadError);
        assert.equal(
          error.message,
          `Cannot serve champion ${version.label} (2026-11-20) of models.fraud_detector as its ` +
            `version holds no model.onnx at ${target!.location}: it was not trained; promote a ` +
            "trained version (`deno task models`)",
        );
        return true;
      });
    }),
});

Deno.test({
  name:
    "a model holder following ChampionModelSource swaps in the new champion when the feed signals",
  ...pglite,
  fn: () =>
    withSource(async ({ store, lake, changes, source }) => {
      const first = await commitModelVersion(store, lake, fixtureModel(), "2026-11-20");
      const second = await commitModelVersion(store, lake, shiftedModel(0.5), "2026-11-21");
      await moveChampion(store, first);
      const holder = new ModelHolder(onnxModelLoader());
      const loads: string[] = [];
      holder.listen((event) => {
        if (event.kind === "load" && event.result.outcome === "loaded") {
          loads.push(event.result.version);
        }
      });
      const following = holder.follow(source);
      try {
        await following.ready;
        assert.equal(holder.version, first.label);
        await moveChampion(store, second);
        const swapped = new Promise<void>((resolve) =>
          holder.listen((event) => {
            if (event.kind === "load") resolve();
          })
        );
        changes.fire();
        await swapped;
        assert.equal(holder.version, second.label);
        assert.deepEqual(loads, [first.label, second.label]);
      } finally {
        following.stop();
        await holder.close();
      }
    }),
});
