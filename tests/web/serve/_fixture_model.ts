// Hand-built tree models for the serving tests: two small trees over the contract's features,
// snapshots with their ONNX export, and valid feature rows.
import { FEATURE_NAMES } from "../../../models/features.ts";
import { exportOnnx } from "../../../models/onnx_export.ts";
import { type Tree, TREE_MODEL_FORMAT, type TreeModel } from "../../../models/tree_model.ts";
import { PredictRequestSchema } from "../../../web/serve/api_schemas.ts";
import { featureRules } from "../../../web/serve/feature_rules.ts";
import type { ModelSnapshot } from "../../../web/serve/model_source.ts";

const index = (name: string): number => {
  const at = FEATURE_NAMES.indexOf(name);
  if (at < 0) throw new Error(`Unknown feature '${name}'`);
  return at;
};

// Tree 1: velocity_1h < 3.5 ? (amount_vs_user_avg < 2.5 ? -0.4 : 0.3) : 0.9
const tree1: Tree = {
  feature: [index("velocity_1h"), index("amount_vs_user_avg"), -1, -1, -1],
  threshold: [3.5, 2.5, 0, 0, 0],
  left: [1, 3, -1, -1, -1],
  right: [2, 4, -1, -1, -1],
  missingLeft: [true, false, false, false, false],
  value: [-0.1, -0.3, 0.9, -0.4, 0.3],
  cover: [100, 80, 20, 60, 20],
  gain: [5, 2, 0, 0, 0],
};

// Tree 2: vpn_detected < 0.5 ? (account_age_days < 30 ? 0.2 : -0.25) : 0.6
const tree2: Tree = {
  feature: [index("vpn_detected"), index("account_age_days"), -1, -1, -1],
  threshold: [0.5, 30, 0, 0, 0],
  left: [1, 3, -1, -1, -1],
  right: [2, 4, -1, -1, -1],
  missingLeft: [true, true, false, false, false],
  value: [0.05, -0.1, 0.6, 0.2, -0.25],
  cover: [100, 90, 10, 30, 60],
  gain: [3, 1, 0, 0, 0],
};

/** Two trees, base score log-odds of 10%, threshold 0.3. */
export function fixtureModel(overrides: Partial<TreeModel> = {}): TreeModel {
  return {
    format: TREE_MODEL_FORMAT,
    featureNames: FEATURE_NAMES,
    baseScore: Math.log(0.1 / 0.9),
    trees: [tree1, tree2],
    threshold: 0.3,
    binEdges: FEATURE_NAMES.map(() => []),
    ...overrides,
  };
}

/** The same model with every leaf value shifted, so two versions score differently. */
export function shiftedModel(shift: number): TreeModel {
  const model = fixtureModel();
  return {
    ...model,
    trees: model.trees.map((tree) => ({
      ...tree,
      value: tree.value.map((value) => value + shift),
    })),
  };
}

/** A valid feature vector: a quiet, old account; `overrides` change single features. */
export function featureRow(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const row: Record<string, unknown> = {
    velocity_1h: 0,
    velocity_24h: 1,
    velocity_7d: 3,
    amount_usd: 42.5,
    amount_vs_user_avg: 1.1,
    amount_vs_user_p95: 0.8,
    account_age_days: 400,
    chargeback_count: 0,
    chargeback_rate: 0,
    refund_count_30d: 0,
    fraud_refund_count: 0,
    vpn_detected: 0,
    proxy_detected: 0,
    tor_detected: 0,
    bot_detected: 0,
    device_count_30d: 1,
    geo_mismatch: 0,
    is_high_risk_country: 0,
    country_risk_score: 0.1,
    payment_risk_score: 0.05,
    is_3ds_authenticated: 1,
    risk_tier_encoded: 0,
    hour_of_day: 14,
    day_of_week: 3,
    is_weekend: 0,
  };
  return { ...row, ...overrides };
}

/** A snapshot as a ModelSource hands it out, with the trainer's own ONNX export. */
export function fixtureSnapshot(version: string, model: TreeModel = fixtureModel()): ModelSnapshot {
  return { version, model, onnx: exportOnnx(model) };
}

/** The row as the model's float32 input, in contract order. */
export function featureVector(row: Record<string, unknown>): Float32Array {
  return Float32Array.from(FEATURE_NAMES, (name) => row[name] as number);
}

/** A small seeded generator (mulberry32) for reproducible test data. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 2 ** 32;
  };
}

/**
 * A model of `trees` full trees of `depth` with random splits and float32 thresholds in
 * [0, 4): bigger than the hand-built one, for parity between onnxruntime and tree_predict.
 */
export function randomModel(seed: number, trees = 20, depth = 4): TreeModel {
  const random = seededRandom(seed);
  const grow = (): Tree => {
    const tree = {
      feature: [] as number[],
      threshold: [] as number[],
      left: [] as number[],
      right: [] as number[],
      missingLeft: [] as boolean[],
      value: [] as number[],
      cover: [] as number[],
      gain: [] as number[],
    };
    const node = (level: number): number => {
      const id = tree.feature.length;
      tree.feature.push(-1);
      tree.threshold.push(0);
      tree.left.push(-1);
      tree.right.push(-1);
      tree.missingLeft.push(random() < 0.5);
      tree.value.push(Math.round((random() - 0.5) * 1e6) / 1e7);
      tree.cover.push(1);
      tree.gain.push(0);
      if (level < depth) {
        tree.feature[id] = Math.floor(random() * FEATURE_NAMES.length);
        tree.threshold[id] = Math.fround(random() * 4);
        tree.left[id] = node(level + 1);
        tree.right[id] = node(level + 1);
      }
      return id;
    };
    node(0);
    return tree;
  };
  return fixtureModel({ trees: Array.from({ length: trees }, grow), baseScore: -3 });
}

/**
 * Valid random rows: allowed values of flags, integers from their minimum up to 4 more (within
 * their maximum), measures in [minimum, minimum + 4) or up to their maximum (3 decimals).
 */
export function randomRows(seed: number, count: number): Record<string, unknown>[] {
  const random = seededRandom(seed);
  const rules = featureRules(PredictRequestSchema, FEATURE_NAMES);
  return Array.from({ length: count }, () =>
    Object.fromEntries(rules.map((rule) => {
      const span = Math.min(4, rule.maximum - rule.minimum);
      const value = rule.allowed
        ? rule.allowed[Math.floor(random() * rule.allowed.length)]
        : rule.integer
        ? rule.minimum + Math.floor(random() * (span + 1))
        : rule.minimum + Math.round(random() * span * 1000) / 1000;
      return [rule.name, value];
    })));
}
