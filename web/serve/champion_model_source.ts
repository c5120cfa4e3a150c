// A ModelSource over the metadata store: the version the champion alias of a model asset points
// at, named by its materialization (the label `deno task models` and the scores show), its
// TreeModel JSON and ONNX read from that version's lake location.
import { join } from "node:path";
import { MODEL_FILES } from "../../models/model_files.ts";
import { versionLabel } from "../../models/model_versions.ts";
import type { Lake } from "../../runtime/definitions/lake.ts";
import { locationParts } from "../../runtime/definitions/part_set.ts";
import type { AliasTarget } from "../../runtime/store/alias_store.ts";
import type { ModelSnapshot, ModelSource } from "./model_source.ts";
import { ModelLoadError } from "./serving_model.ts";
import { parseTreeModel } from "./tree_model_json.ts";

/** Where the champion points, and a signal when it may have moved. */
export interface ChampionFeed {
  /** The champion's materialization now, or undefined while the alias points nowhere. */
  current(): Promise<AliasTarget | undefined>;
  /** Calls `onChange` whenever the alias may have moved; returns the unsubscribe. */
  watch(onChange: () => void): () => void;
}

export class ChampionModelSource implements ModelSource {
  readonly #feed: ChampionFeed;
  readonly #lake: Pick<Lake, "open">;
  /** The last version read: a version's files never change, so they are read once. */
  #last: { readonly target: AliasTarget; readonly snapshot: ModelSnapshot } | undefined;

  constructor(feed: ChampionFeed, lake: Pick<Lake, "open">) {
    this.#feed = feed;
    this.#lake = lake;
  }

  async current(): Promise<ModelSnapshot | undefined> {
    const target = await this.#feed.current();
    if (target === undefined) return undefined;
    if (this.#last?.target.materializationId === target.materializationId) {
      return this.#last.snapshot;
    }
    const snapshot = await this.#read(target);
    this.#last = { target, snapshot };
    return snapshot;
  }

  watch(onChange: () => void): () => void {
    return this.#feed.watch(onChange);
  }

  /** The champion the last current() read, for logs: its day and when the alias moved. */
  get lastTarget(): AliasTarget | undefined {
    return this.#last?.target;
  }

  async #read(target: AliasTarget): Promise<ModelSnapshot> {
    const version = versionLabel(target.materializationId);
    const what = `champion ${version} (${target.partition}) of ${target.assetKey}`;
    const parts = locationParts(target.location);
    if (parts.length !== 1) {
      throw new ModelLoadError(
        `Cannot serve ${what} as a model version must be one lake location: current value is ` +
          `a part set of ${parts.length}; promote a version the model asset wrote`,
      );
    }
    const { dir } = await this.#lake.open(parts[0]);
    const read = async (name: string) => {
      try {
        return await Deno.readFile(join(dir, name));
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
        throw new ModelLoadError(
          `Cannot serve ${what} as its version holds no ${name} at ${parts[0]}: it was not ` +
            "trained; promote a trained version (`deno task models`)",
        );
      }
    };
    const model = parseTreeModel(join(dir, MODEL_FILES.model), await read(MODEL_FILES.model));
    return { version, model, onnx: await read(MODEL_FILES.onnx) };
  }
}
