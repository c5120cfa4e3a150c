// Promotion gates: the reference design's five (ROC-AUC, precision, recall, feature count,
// training rows) and "no worse than the champion on the same validation day", each with its
// figure and bound, and one line that names the failing gates. Pure: no store, no clock.
import { FEATURE_NAMES } from "./features.ts";

export type GateName =
  | "roc_auc"
  | "precision"
  | "recall"
  | "feature_count"
  | "training_rows"
  | "auc_vs_champion";

export interface GateThresholds {
  readonly minRocAuc: number;
  readonly minPrecision: number;
  readonly minRecall: number;
  /** The exact number of features a model must take. */
  readonly featureCount: number;
  readonly minTrainingRows: number;
  /** How much lower than the champion's the candidate's AUC may be, on the same day. */
  readonly maxAucDrop: number;
}

/** The reference design's bounds, plus the champion comparison. */
export const DEFAULT_GATE_THRESHOLDS: GateThresholds = {
  minRocAuc: 0.85,
  minPrecision: 0.7,
  minRecall: 0.6,
  featureCount: FEATURE_NAMES.length,
  minTrainingRows: 1_000,
  maxAucDrop: 0.005,
};

/** The candidate's figures on its validation day (precision and recall at its threshold). */
export interface CandidateFigures {
  readonly rocAuc: number;
  readonly precision: number;
  readonly recall: number;
  readonly featureCount: number;
  readonly trainingRows: number;
}

/** The current champion's ROC-AUC, scored on the candidate's validation rows. */
export interface ChampionFigures {
  readonly rocAuc: number;
  readonly version?: string;
}

export interface GateResult {
  readonly name: GateName;
  readonly passed: boolean;
  readonly figure: number;
  /** The bound the figure is held to; null for the champion gate without a champion. */
  readonly bound: number | null;
  readonly comparison: ">=" | "==";
  /** One phrase: "recall 0.5500 < 0.6000". */
  readonly detail: string;
}

export interface GateEvaluation {
  readonly passed: boolean;
  readonly gates: readonly GateResult[];
  /** "all 6 gates passed" or "2 of 6 gates failed: precision 0.6500 < 0.7000; ...". */
  readonly summary: string;
}

/** Holds the candidate to every gate; without a champion its gate passes (nothing to lose). */
export function evaluateGates(
  candidate: CandidateFigures,
  championOnSameDay?: ChampionFigures,
  thresholds: GateThresholds = DEFAULT_GATE_THRESHOLDS,
): GateEvaluation {
  const gates: GateResult[] = [
    atLeast("roc_auc", "ROC-AUC", candidate.rocAuc, thresholds.minRocAuc, ratio),
    atLeast("precision", "precision", candidate.precision, thresholds.minPrecision, ratio),
    atLeast("recall", "recall", candidate.recall, thresholds.minRecall, ratio),
    exactly("feature_count", "features", candidate.featureCount, thresholds.featureCount),
    atLeast(
      "training_rows",
      "training rows",
      candidate.trainingRows,
      thresholds.minTrainingRows,
      count,
    ),
    championGate(candidate.rocAuc, championOnSameDay, thresholds.maxAucDrop),
  ];
  const failed = gates.filter((gate) => !gate.passed);
  const summary = failed.length === 0
    ? `all ${gates.length} gates passed`
    : `${failed.length} of ${gates.length} gates failed: ${
      failed.map((gate) => gate.detail).join("; ")
    }`;
  return { passed: failed.length === 0, gates, summary };
}

const ratio = (value: number) => (Number.isNaN(value) ? "NaN" : value.toFixed(4));
const count = (value: number) => String(value);

function atLeast(
  name: GateName,
  label: string,
  figure: number,
  bound: number,
  format: (value: number) => string,
): GateResult {
  const passed = figure >= bound;
  return {
    name,
    passed,
    figure,
    bound,
    comparison: ">=",
    detail: `${label} ${format(figure)} ${passed ? ">=" : "<"} ${format(bound)}`,
  };
}

function exactly(name: GateName, label: string, figure: number, bound: number): GateResult {
  const passed = figure === bound;
  return {
    name,
    passed,
    figure,
    bound,
    comparison: "==",
    detail: `${label} ${figure} ${passed ? "==" : "!="} ${bound}`,
  };
}

function championGate(
  rocAuc: number,
  champion: ChampionFigures | undefined,
  maxDrop: number,
): GateResult {
  if (champion === undefined) {
    return {
      name: "auc_vs_champion",
      passed: true,
      figure: rocAuc,
      bound: null,
      comparison: ">=",
      detail: `ROC-AUC ${ratio(rocAuc)}, no champion yet`,
    };
  }
  const bound = champion.rocAuc - maxDrop;
  const passed = rocAuc >= bound;
  const who = champion.version === undefined ? "champion" : `champion ${champion.version}`;
  return {
    name: "auc_vs_champion",
    passed,
    figure: rocAuc,
    bound,
    comparison: ">=",
    detail: `ROC-AUC ${ratio(rocAuc)} ${passed ? ">=" : "<"} ${ratio(bound)} (${who} ${
      ratio(champion.rocAuc)
    } - ${maxDrop})`,
  };
}
