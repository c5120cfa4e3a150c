// /openapi.json: an OpenAPI 3.1 document whose schemas are generated (z.toJSONSchema) from the
// same zod schemas that validate requests, so the docs say exactly what the API accepts.
import { z } from "zod";
import {
  BatchRequestSchema,
  BatchResponseSchema,
  BatchResultSchema,
  ErrorResponseSchema,
  FieldErrorSchema,
  HealthSchema,
  MAX_BATCH_ROWS,
  PredictionSchema,
  PredictRequestSchema,
  ReasonSchema,
  ReloadResponseSchema,
  RiskLevelSchema,
  RowErrorSchema,
} from "./api_schemas.ts";
import { NO_MODEL_MESSAGE } from "./api_error.ts";

type Json = Record<string, unknown>;

const COMPONENTS: Readonly<Record<string, z.ZodType>> = {
  PredictRequest: PredictRequestSchema,
  BatchRequest: BatchRequestSchema,
  Prediction: PredictionSchema,
  Reason: ReasonSchema,
  RiskLevel: RiskLevelSchema,
  BatchResult: BatchResultSchema,
  BatchResponse: BatchResponseSchema,
  FieldError: FieldErrorSchema,
  RowError: RowErrorSchema,
  ErrorResponse: ErrorResponseSchema,
  ReloadResponse: ReloadResponseSchema,
  Health: HealthSchema,
};

export interface OpenApiOptions {
  readonly title?: string;
  readonly version?: string;
  readonly singleBodyBytes: number;
  readonly batchBodyBytes: number;
}

export function openApiDocument(options: OpenApiOptions): Json {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(COMPONENTS)) registry.add(schema, { id });
  const generated = z.toJSONSchema(registry, {
    uri: (id) => `#/components/schemas/${id}`,
    unrepresentable: "any",
  }) as { schemas: Record<string, Json> };
  const schemas = Object.fromEntries(
    Object.entries(generated.schemas).map(([id, schema]) => {
      const { $schema: _draft, $id: _id, ...rest } = schema;
      return [id, rest];
    }),
  );
  const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
  const json = (id: string, description: string) => ({
    description,
    content: { "application/json": { schema: ref(id) } },
  });
  const errors = (...statuses: number[]): Json =>
    Object.fromEntries(
      statuses.map((status) => [status, json("ErrorResponse", ERROR_TEXT[status])]),
    );
  return {
    openapi: "3.1.0",
    info: {
      title: options.title ?? "Sluice fraud prediction API",
      version: options.version ?? "1",
      description: [
        "Scores orders with the champion of `models.fraud_detector`, served from ONNX.",
        "",
        "**Risk levels**, relative to the served model's decision threshold t (its value is in " +
        "the `sluice_serve_model_info` metric): `high` when fraud_probability >= t (then " +
        "`is_fraud` is true), `medium` when t/2 <= fraud_probability < t, `low` below t/2.",
        "",
        "**Reasons**: the three features with the largest absolute contribution to this " +
        "prediction's raw margin (Saabas path attribution over every tree: each split on the " +
        "input's path credits the change in node value to its feature). The base margin plus " +
        "all 25 contributions equals the model's raw margin (log-odds).",
        "",
        "**Errors** always have the ErrorResponse shape: 400 invalid JSON or UTF-8, 413 body " +
        `larger than ${options.singleBodyBytes} bytes (single) or ${options.batchBodyBytes} ` +
        `bytes (batch) or more than ${MAX_BATCH_ROWS} rows, 415 Content-Type other than ` +
        "application/json, 422 invalid fields (one detail entry per field: missing, unknown, " +
        "repeated, wrong type, out of range, not finite), 503 while no model is loaded: " +
        `"${NO_MODEL_MESSAGE}".`,
      ].join("\n"),
    },
    paths: {
      "/v1/predict": {
        post: {
          summary: "Score one transaction",
          operationId: "predict",
          requestBody: {
            required: true,
            content: { "application/json": { schema: ref("PredictRequest") } },
          },
          responses: {
            200: json("Prediction", "The prediction."),
            ...errors(400, 413, 415, 422, 503),
          },
        },
      },
      "/v1/predict/batch": {
        post: {
          summary: `Score up to ${MAX_BATCH_ROWS} transactions in one model call`,
          description: "Invalid rows get their errors in place; valid rows are scored anyway.",
          operationId: "predictBatch",
          requestBody: {
            required: true,
            content: { "application/json": { schema: ref("BatchRequest") } },
          },
          responses: {
            200: json("BatchResponse", "One result per row, in request order."),
            ...errors(400, 413, 415, 422, 503),
          },
        },
      },
      "/v1/model/reload": {
        post: {
          summary: "Load the source's current model now",
          description: "Needs `Authorization: Bearer <SLUICE_SERVE_TOKEN>`; answers 403 when " +
            "serve runs without a token. The new model is loaded and warmed, then swapped in; " +
            "requests in flight finish on the model they started with.",
          operationId: "reloadModel",
          security: [{ bearer: [] }],
          responses: {
            200: json("ReloadResponse", "The model now served."),
            ...errors(401, 403, 500, 503),
          },
        },
      },
      "/health/live": {
        get: {
          summary: "The process is up",
          responses: { 200: json("Health", "Alive.") },
        },
      },
      "/health/ready": {
        get: {
          summary: "A model is loaded and requests can be scored",
          responses: {
            200: json("Health", "Ready."),
            503: json("Health", `Not ready: ${NO_MODEL_MESSAGE}`),
          },
        },
      },
      "/metrics": {
        get: {
          summary: "Prometheus metrics",
          responses: {
            200: { description: "Prometheus text format.", content: { "text/plain": {} } },
          },
        },
      },
    },
    components: {
      schemas,
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
    },
  };
}

const ERROR_TEXT: Readonly<Record<number, string>> = {
  400: "The body is not valid JSON or not UTF-8.",
  401: "Missing or wrong bearer token.",
  403: "Reload is disabled: serve runs without SLUICE_SERVE_TOKEN.",
  413: "The body or the batch is too large.",
  415: "Content-Type is not application/json.",
  422: "One or more fields are invalid; detail has one entry per field.",
  500: "The new model could not be loaded; the previous one is still served.",
  503: NO_MODEL_MESSAGE,
};
