// A model ready to answer requests: the snapshot's TreeModel, its scorer (an open onnxruntime
// session on the serving graph) and what responses need from it, checked and warmed.
import { FEATURE_NAMES } from "../../models/features.ts";
import type { TreeModel } from "../../models/tree_model.ts";
import { checkChampionOnnx, type ParityReport } from "./champion_check.ts";
import type { ModelSnapshot } from "./model_source.ts";
import { OnnxScorer, type Scorer, type ScorerOptions } from "./onnx_scorer.ts";
import { contributionBias } from "./serving_graph.ts";

export interface ServingModel {
  readonly version: string;
  readonly model: TreeModel;
  /** is_fraud when fraud_probability >= threshold. */
  readonly threshold: number;
  /** Base score plus the trees' root values: the margin no feature explains. */
  readonly bias: number;
  readonly scorer: Scorer;
  readonly parity: ParityReport;
}

/** The snapshot cannot be served as it is; the holder keeps the previous model. */
export class ModelLoadError extends Error {
  override readonly name = "ModelLoadError";
}

/** Turns a snapshot into a ServingModel; injected into the holder so tests can count loads. */
export type ModelLoader = (snapshot: ModelSnapshot) => Promise<ServingModel>;

/**
 * Checks the model against the feature contract, opens its scorer, checks the exported ONNX
 * agrees with it (which also warms the session) and scores one row more to warm the single-row
 * path; releases the scorer if any step fails.
 */
export function onnxModelLoader(options: ScorerOptions = {}): ModelLoader {
  return async (snapshot) => {
    checkContract(snapshot);
    const scorer = await OnnxScorer.create(snapshot.model, options);
    try {
      const parity = await checkChampionOnnx(snapshot.model, snapshot.onnx, scorer);
      await scorer.scoreRow(new Float32Array(scorer.features));
      return {
        version: snapshot.version,
        model: snapshot.model,
        threshold: snapshot.model.threshold,
        bias: contributionBias(snapshot.model),
        scorer,
        parity,
      };
    } catch (error) {
      await scorer.release();
      throw error;
    }
  };
}

function checkContract(snapshot: ModelSnapshot): void {
  const names = snapshot.model.featureNames;
  const same = names.length === FEATURE_NAMES.length &&
    names.every((name, i) => name === FEATURE_NAMES[i]);
  if (!same) {
    throw new ModelLoadError(
      `Cannot serve model ${snapshot.version} as its features must be the contract's ` +
        `${FEATURE_NAMES.length} in order: current list is ${names.join(", ")}`,
    );
  }
  const threshold = snapshot.model.threshold;
  if (!(threshold > 0 && threshold < 1)) {
    throw new ModelLoadError(
      `Cannot serve model ${snapshot.version} as its threshold must be between 0 and 1: ` +
        `current value is ${threshold}`,
    );
  }
}
