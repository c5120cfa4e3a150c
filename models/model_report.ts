// What a model's materialization keeps in its metadata: the training window, the model's and
// the rules baseline's figures on the validation day, feature importance, the champion it was
// held to, the gates and whether it was promoted. Written by the asset, read back (checked with
// zod, as stored JSON is not trusted) by `deno task models`, the UI and the checks.
import { z } from "zod";

/** The report's format name, so a reader can tell a model's metadata from anything else. */
export const MODEL_REPORT_FORMAT = "sluice.model_report/1";

const nullableNumber = z.number().nullable();

export const ScoreEvaluationSchema = z.object({
  rows: z.number(),
  positives: z.number(),
  rocAuc: nullableNumber,
  prAuc: nullableNumber,
  logLoss: nullableNumber,
  brier: nullableNumber,
  threshold: nullableNumber,
  thresholdReached: z.boolean(),
  precision: nullableNumber,
  recall: nullableNumber,
  confusion: z.object({
    truePositives: z.number(),
    falsePositives: z.number(),
    trueNegatives: z.number(),
    falseNegatives: z.number(),
  }),
});

const GateSchema = z.object({
  name: z.string(),
  passed: z.boolean(),
  // NaN is stored as null.
  figure: nullableNumber,
  bound: nullableNumber,
  comparison: z.string(),
  detail: z.string(),
});

export const ModelReportSchema = z.object({
  format: z.literal(MODEL_REPORT_FORMAT),
  /** Whether a model was trained (false when the window held too few rows, say). */
  trained: z.boolean(),
  /** Why no model was trained; absent when one was. */
  notTrained: z.string().optional(),
  training: z.object({
    rows: z.number(),
    positives: z.number(),
    /** The silver days the window held, oldest first. */
    days: z.array(z.string()).readonly(),
  }),
  validation: z.object({ day: z.string(), rows: z.number(), positives: z.number() }),
  model: z.object({
    trees: z.number(),
    bestRound: z.number(),
    roundsRun: z.number(),
    stoppedEarly: z.boolean(),
    threshold: z.number(),
    featureCount: z.number(),
    params: z.record(z.string(), z.unknown()),
  }).optional(),
  metrics: ScoreEvaluationSchema.optional(),
  importance: z.array(z.object({
    feature: z.string(),
    gain: z.number(),
    importance: z.number(),
  })).readonly().optional(),
  rulesBaseline: ScoreEvaluationSchema.optional(),
  champion: z.object({
    version: z.string(),
    partition: z.string(),
    /** The champion's ROC-AUC on this candidate's validation day; null when it could not score. */
    rocAuc: nullableNumber,
  }).optional(),
  gates: z.object({
    passed: z.boolean(),
    summary: z.string(),
    gates: z.array(GateSchema).readonly(),
  }),
  promotion: z.object({ promoted: z.boolean(), detail: z.string() }),
});

export type ModelReport = z.output<typeof ModelReportSchema>;
export type StoredScoreEvaluation = z.output<typeof ScoreEvaluationSchema>;

/** The report in a materialization's metadata, or undefined when it holds none (or another shape). */
export function modelReportOf(metadata: unknown): ModelReport | undefined {
  const parsed = ModelReportSchema.safeParse(metadata);
  return parsed.success ? parsed.data : undefined;
}
