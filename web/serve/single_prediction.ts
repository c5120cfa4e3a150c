// POST /v1/predict as a plain fetch handler: one row read, scored and answered, every failure
// turned into the documented error body. app.ts calls it before Hono's router for the hot path.
import { FEATURE_NAMES } from "../../models/features.ts";
import { ApiError, duplicateError, invalidRequest, modelUnavailable } from "./api_error.ts";
import { readJsonBody } from "./json_body.ts";
import type { ModelHolder } from "./model_holder.ts";
import { predictionBody, rowPrediction } from "./prediction.ts";
import { RowReader } from "./row_reader.ts";
import type { ServeMetrics } from "./serve_metrics.ts";

export interface SinglePredictionOptions {
  readonly holder: ModelHolder;
  readonly metrics: ServeMetrics;
  readonly clock: () => number;
  readonly bodyLimitBytes: number;
  /** Answers an error that is not an ApiError (logged there, 500). */
  readonly unexpected: (error: unknown, method: string, path: string) => Response;
}

/** Answers one prediction; `started` is the clock reading when the request arrived. */
export type SinglePrediction = (request: Request, started: number) => Promise<Response>;

const PATH = "/v1/predict";
const JSON_HEADERS = { "content-type": "application/json" };

/** A JSON answer with the Content-Type Hono's c.json sets, without a Hono context. */
export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: JSON_HEADERS });
}

export function singlePrediction(options: SinglePredictionOptions): SinglePrediction {
  const { holder, metrics, clock, bodyLimitBytes, unexpected } = options;
  const reader = new RowReader();
  // One row's features: read() fills it and scoreRow() copies it before either yields.
  const single = new Float32Array(reader.width);
  const names = FEATURE_NAMES;

  return async (request, started) => {
    const lease = holder.acquire();
    if (lease === undefined) return jsonResponse(modelUnavailable().body(), 503);
    try {
      const body = await readJsonBody(request, bodyLimitBytes);
      if (body.duplicates.length > 0) {
        metrics.rows(0, 1);
        throw invalidRequest("The request repeats a field", body.duplicates.map(duplicateError));
      }
      const read = reader.read(body.value, single, 0);
      if (!read.ok) {
        metrics.rows(0, 1);
        throw invalidRequest("The request's features do not match the contract", read.errors);
      }
      const model = lease.model;
      const scores = await model.scorer.scoreRow(single);
      const row = rowPrediction(
        scores,
        0,
        model.threshold,
        names,
        body.value as Record<string, unknown>,
      );
      metrics.rows(1, 0);
      metrics.score(row.fraud_probability);
      return jsonResponse(predictionBody(
        row,
        model.version,
        roundMs(clock() - started),
        read.transactionId,
      ));
    } catch (error) {
      if (error instanceof ApiError) return jsonResponse(error.body(), error.status);
      return unexpected(error, request.method, PATH);
    } finally {
      lease.release();
    }
  };
}

/** Milliseconds to the microsecond, as latency_ms and load_ms are answered. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
