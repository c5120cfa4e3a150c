// The one error type of the prediction API: a status, a code, a sentence and per-field detail;
// the app's single onError turns it into the documented ErrorResponse body.
import type { ErrorCode, ErrorResponse, FieldError } from "./api_schemas.ts";
import type { JsonPath } from "./duplicate_keys.ts";

export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 413 | 415 | 422 | 500 | 503;

export class ApiError extends Error {
  override readonly name = "ApiError";

  constructor(
    readonly status: ErrorStatus,
    readonly code: ErrorCode,
    message: string,
    readonly detail: readonly FieldError[] = [],
  ) {
    super(message);
  }

  body(): ErrorResponse {
    return { error: this.code, message: this.message, detail: [...this.detail] };
  }
}

/** The message every route answers with while no model is loaded. */
export const NO_MODEL_MESSAGE =
  "no champion model yet: run `deno task materialize models.fraud_detector`";

export function modelUnavailable(): ApiError {
  return new ApiError(503, "model_unavailable", NO_MODEL_MESSAGE);
}

/** A scalar as it may be echoed back: long strings are cut, containers are not echoed. */
export function echoed(value: unknown): unknown {
  if (typeof value === "string") return value.length > 100 ? `${value.slice(0, 100)}…` : value;
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (typeof value === "boolean" || value === null) return value;
  return undefined;
}

/** The JSON type name of a value, as messages say it. */
export function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number" && !Number.isFinite(value)) return "non-finite number";
  return typeof value === "undefined" ? "nothing" : typeof value;
}

export function invalidRequest(message: string, detail: readonly FieldError[]): ApiError {
  return new ApiError(422, "invalid_request", message, detail);
}

export function duplicateError(path: JsonPath): FieldError {
  const joined = path.join(".");
  // A repeat deep in nested junk would otherwise echo the whole path back.
  const field = joined.length > 200 ? `…${joined.slice(-199)}` : joined;
  return {
    field,
    code: "duplicate_field",
    message: `'${field}' appears more than once in one object: send each field once`,
  };
}
