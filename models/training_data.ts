// The in-memory training set: features row-major in one Float32Array (NaN marks a missing
// value), labels as 0/1 bytes and optional row weights; built from silver rows or typed arrays.
import { FEATURE_NAMES } from "./features.ts";
import { ModelInputError } from "./model_errors.ts";

/** Rows x features, as the trainer, the bins and the ONNX input all lay them out. */
export interface TrainingData {
  readonly rows: number;
  readonly featureCount: number;
  /** Row-major `[rows x featureCount]`; NaN marks a missing value. */
  readonly features: Float32Array;
  /** 1 for a positive (fraud) row, 0 otherwise. */
  readonly labels: Uint8Array;
  /** A weight per row; every row weighs 1 when absent. */
  readonly weights?: Float32Array;
}

/** The typed arrays of a training set, before their shapes are checked. */
export interface TrainingArrays {
  readonly features: Float32Array;
  readonly labels: Uint8Array;
  readonly weights?: Float32Array;
  readonly featureCount?: number;
}

/** Checks the arrays' shapes and wraps them (no copy); featureCount defaults to the contract's. */
export function createTrainingData(arrays: TrainingArrays): TrainingData {
  const featureCount = arrays.featureCount ?? FEATURE_NAMES.length;
  if (!Number.isInteger(featureCount) || featureCount < 1) {
    throw new ModelInputError(
      `Cannot build training data as 'featureCount' must be a positive integer: current value is ${featureCount}`,
    );
  }
  const rows = arrays.labels.length;
  if (arrays.features.length !== rows * featureCount) {
    throw new ModelInputError(
      `Cannot build training data as 'features' must hold labels.length x featureCount = ${rows} x ${featureCount} values: current length is ${arrays.features.length}`,
    );
  }
  for (let i = 0; i < rows; i++) {
    if (arrays.labels[i] > 1) {
      throw new ModelInputError(
        `Cannot build training data as every label must be 0 or 1: row ${i} has ${
          arrays.labels[i]
        }`,
      );
    }
  }
  if (arrays.weights !== undefined) {
    if (arrays.weights.length !== rows) {
      throw new ModelInputError(
        `Cannot build training data as 'weights' must have one value per row (${rows}): current length is ${arrays.weights.length}`,
      );
    }
    for (let i = 0; i < rows; i++) {
      const weight = arrays.weights[i];
      if (!(weight >= 0) || !Number.isFinite(weight)) {
        throw new ModelInputError(
          `Cannot build training data as every weight must be finite and >= 0: row ${i} has ${weight}`,
        );
      }
    }
  }
  return {
    rows,
    featureCount,
    features: arrays.features,
    labels: arrays.labels,
    ...weightsOf(arrays),
  };
}

function weightsOf(arrays: TrainingArrays): { weights?: Float32Array } {
  return arrays.weights === undefined ? {} : { weights: arrays.weights };
}

/** A silver row as training reads it: the features by name (null = missing) and the label. */
export type FeatureRow = Readonly<Record<string, unknown>>;

/**
 * Builds a training set from plain rows keyed by feature name, label in `is_fraud` (boolean or
 * 0/1). A null feature is missing (NaN); an absent one is an error, as it means a drifted query.
 */
export function trainingDataFromRows(
  rows: readonly FeatureRow[],
  featureNames: readonly string[] = FEATURE_NAMES,
  labelName = "is_fraud",
): TrainingData {
  const featureCount = featureNames.length;
  const features = new Float32Array(rows.length * featureCount);
  const labels = new Uint8Array(rows.length);
  rows.forEach((row, i) => {
    for (let f = 0; f < featureCount; f++) {
      features[i * featureCount + f] = featureValue(row, featureNames[f], i);
    }
    labels[i] = labelValue(row, labelName, i);
  });
  return createTrainingData({ features, labels, featureCount });
}

function featureValue(row: FeatureRow, name: string, index: number): number {
  const value = row[name];
  if (value === null) return NaN;
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "bigint") return Number(value);
  throw new ModelInputError(
    `Cannot build training data as feature '${name}' of row ${index} must be a number, boolean or null: current value is ${
      JSON.stringify(value) ?? String(value)
    }; select every contract feature (models/features.ts)`,
  );
}

function labelValue(row: FeatureRow, name: string, index: number): number {
  const value = row[name];
  if (value === true || value === 1) return 1;
  if (value === false || value === 0) return 0;
  throw new ModelInputError(
    `Cannot build training data as label '${name}' of row ${index} must be true/false or 1/0: current value is ${
      JSON.stringify(value) ?? String(value)
    }`,
  );
}

/** The rows whose mask entry is set, copied in order (for a time split or a held-out set). */
export function sliceRows(data: TrainingData, mask: ArrayLike<boolean | number>): TrainingData {
  if (mask.length !== data.rows) {
    throw new ModelInputError(
      `Cannot slice training data as the mask must have one entry per row (${data.rows}): current length is ${mask.length}`,
    );
  }
  let kept = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) kept++;
  const width = data.featureCount;
  const features = new Float32Array(kept * width);
  const labels = new Uint8Array(kept);
  const weights = data.weights === undefined ? undefined : new Float32Array(kept);
  let next = 0;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    features.set(data.features.subarray(i * width, (i + 1) * width), next * width);
    labels[next] = data.labels[i];
    if (weights !== undefined) weights[next] = data.weights![i];
    next++;
  }
  return { rows: kept, featureCount: width, features, labels, ...(weights ? { weights } : {}) };
}
