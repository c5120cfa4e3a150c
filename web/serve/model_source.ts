// Where serving finds its model: the current champion and a signal when it moves. The lead
// implements it over the metadata store (LISTEN/NOTIFY on Postgres, a short poll on PGlite);
// memory_model_source.ts and file_model_source.ts serve tests, the bench and main.ts.
import type { TreeModel } from "../../models/tree_model.ts";

/** One version of the model as a source hands it out. */
export interface ModelSnapshot {
  /** Names the version everywhere (responses, metrics, logs); equal versions are equal models. */
  readonly version: string;
  readonly model: TreeModel;
  /** The exported ONNX (models/onnx_export.ts); serving checks it agrees with `model`. */
  readonly onnx: Uint8Array;
}

export interface ModelSource {
  /** The model to serve now, or undefined while there is none (no champion yet). */
  current(): Promise<ModelSnapshot | undefined>;
  /** Calls `onChange` whenever `current()` may answer differently; returns an unsubscribe. */
  watch(onChange: () => void): () => void;
}
