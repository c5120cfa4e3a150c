// The prediction API's request and response shapes as zod schemas: the same values validate
// requests, type the handlers and generate /openapi.json, so the documentation cannot drift.
import { z } from "zod";
import { FEATURES } from "../../models/features.ts";

/** The largest finite float32: the model reads float32, so a larger value cannot reach it. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/** Rows one batch request may carry; more is a 413. */
export const MAX_BATCH_ROWS = 10_000;

/** How many features `reasons` lists at most. */
export const REASON_COUNT = 3;

/**
 * One contract feature as serving accepts it: the contract's own schema, and for real-valued
 * numbers also at most FLOAT32_MAX, since a larger finite JSON number would become Infinity.
 */
function servingFeature(schema: z.ZodType, description: string): z.ZodType {
  const bounded = schema instanceof z.ZodNumber ? schema.max(FLOAT32_MAX) : schema;
  return bounded.meta({ description });
}

/** The 25 features by name, every one required. */
export const FEATURE_FIELDS: Readonly<Record<string, z.ZodType>> = Object.fromEntries(
  FEATURES.map((feature) => [feature.name, servingFeature(feature.schema, feature.description)]),
);

export const TransactionIdSchema = z.string().min(1).max(128).meta({
  description: "The caller's id for the transaction; echoed in the response.",
});

/** POST /v1/predict: the 25 features and an optional transaction id, nothing else. */
export const PredictRequestSchema = z.strictObject({
  ...FEATURE_FIELDS,
  transaction_id: TransactionIdSchema.optional(),
}).meta({ description: "One transaction's 25 contract features." });

export type PredictRequest = z.infer<typeof PredictRequestSchema>;

/** POST /v1/predict/batch; rows are checked one by one, so one bad row fails only itself. */
export const BatchRequestSchema = z.strictObject({
  rows: z.array(z.unknown()).min(1).max(MAX_BATCH_ROWS).meta({
    description: `1 to ${
      MAX_BATCH_ROWS.toLocaleString("en-US")
    } rows, each shaped like PredictRequest.`,
  }),
});

export const RiskLevelSchema = z.enum(["low", "medium", "high"]).meta({
  description: "low: probability below half the model's threshold; medium: from half the " +
    "threshold up to it; high: at or above the threshold (then is_fraud is true).",
});

export type RiskLevel = z.infer<typeof RiskLevelSchema>;

export const ReasonSchema = z.object({
  feature: z.string().meta({ description: "A contract feature name." }),
  value: z.number().meta({ description: "The value the request sent for it." }),
  contribution: z.number().meta({
    description: "Its push on the raw margin (log-odds), summed over the splits on its path in " +
      "every tree; positive pushes towards fraud.",
  }),
});

export type Reason = z.infer<typeof ReasonSchema>;

export const PredictionSchema = z.object({
  transaction_id: z.string().optional().meta({ description: "Echoed when the request sent one." }),
  fraud_probability: z.number().min(0).max(1),
  is_fraud: z.boolean().meta({ description: "fraud_probability >= the model's threshold." }),
  risk_level: RiskLevelSchema,
  model_version: z.string().meta({ description: "The model that scored this request." }),
  reasons: z.array(ReasonSchema).max(REASON_COUNT).meta({
    description: `The ${REASON_COUNT} features with the largest absolute contribution for this ` +
      "input, largest first; features that contributed nothing are left out.",
  }),
  latency_ms: z.number().meta({
    description: "Server time from receiving the request to the response, in milliseconds.",
  }),
});

export type Prediction = z.infer<typeof PredictionSchema>;

export const FieldErrorSchema = z.object({
  field: z.string().meta({
    description: "The offending field (a feature name, transaction_id, rows or a JSON path); " +
      "empty when the whole body is at fault.",
  }),
  code: z.enum([
    "missing",
    "unknown_field",
    "duplicate_field",
    "wrong_type",
    "out_of_range",
    "not_finite",
    "invalid",
  ]),
  message: z.string(),
  received: z.unknown().optional().meta({
    description: "The value received, when it was a JSON scalar (strings cut to 100 characters).",
  }),
});

export type FieldError = z.infer<typeof FieldErrorSchema>;

export const RowErrorSchema = z.object({
  index: z.int().min(0),
  errors: z.array(FieldErrorSchema).min(1),
}).meta({ description: "A batch row that was not scored, and why." });

export type RowError = z.infer<typeof RowErrorSchema>;

export const BatchResultSchema = z.union([
  PredictionSchema.extend({ index: z.int().min(0) }),
  RowErrorSchema,
]);

export const BatchResponseSchema = z.object({
  model_version: z.string(),
  latency_ms: z.number(),
  scored: z.int().min(0).meta({ description: "Rows that were valid and scored." }),
  rejected: z.int().min(0).meta({ description: "Rows that were invalid, with their errors." }),
  results: z.array(BatchResultSchema).meta({
    description: "One result per request row, in request order: a prediction (with the row's " +
      "index) or the row's errors.",
  }),
});

export const ErrorResponseSchema = z.object({
  error: z.enum([
    "invalid_request",
    "invalid_json",
    "unsupported_media_type",
    "payload_too_large",
    "unauthorized",
    "reload_disabled",
    "not_found",
    "method_not_allowed",
    "model_unavailable",
    "reload_failed",
    "internal_error",
  ]),
  message: z.string(),
  detail: z.array(FieldErrorSchema),
}).meta({
  description: "Every error answer has this shape; detail lists one entry per bad field.",
});

export type ErrorResponse = z.infer<typeof ErrorResponseSchema>;
export type ErrorCode = ErrorResponse["error"];

export const ReloadResponseSchema = z.object({
  outcome: z.enum(["loaded", "unchanged"]),
  model_version: z.string(),
  previous_version: z.string().nullable(),
  load_ms: z.number(),
});

export const HealthSchema = z.object({
  status: z.enum(["ok", "unavailable"]),
  model_version: z.string().nullable(),
  message: z.string().optional(),
});
