// Turns zod's issues for one request row into the API's FieldError entries: one per field,
// each saying what was wrong, what was received and what the field takes.
import type { z } from "zod";
import { echoed, jsonType } from "./api_error.ts";
import type { FieldError } from "./api_schemas.ts";
import type { FeatureRule, StringRule } from "./feature_rules.ts";

export interface RowRules {
  readonly features: readonly FeatureRule[];
  readonly transactionId: StringRule;
}

/** The row's errors in field order (features first, then transaction_id, then unknown keys). */
export function fieldErrors(
  row: unknown,
  issues: readonly z.core.$ZodIssue[],
  rules: RowRules,
): FieldError[] {
  if (row === null || typeof row !== "object" || Array.isArray(row)) {
    return [{
      field: "",
      code: "wrong_type",
      message: `The row must be a JSON object of the ${rules.features.length} contract ` +
        `features: received ${jsonType(row)}`,
      received: echoed(row),
    }];
  }
  const values = row as Record<string, unknown>;
  const errors = new Map<string, FieldError>();
  const unknown: FieldError[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) unknown.push(unknownField(key, values[key], rules));
      continue;
    }
    const field = String(issue.path[0] ?? "");
    if (errors.has(field)) continue;
    const feature = rules.features.find((rule) => rule.name === field);
    const error = feature
      ? featureError(feature, values[field])
      : field === rules.transactionId.name
      ? transactionIdError(rules.transactionId, values[field])
      : {
        field,
        code: "invalid" as const,
        message: issue.message,
        received: echoed(values[field]),
      };
    errors.set(field, error);
  }
  const order = [...rules.features.map((rule) => rule.name), rules.transactionId.name];
  const known = order.flatMap((name) => errors.get(name) ?? []);
  const rest = [...errors.values()].filter((error) => !order.includes(error.field));
  return [...known, ...rest, ...unknown];
}

/** The error of one feature value, or undefined when the value passes. */
export function featureError(rule: FeatureRule, value: unknown): FieldError {
  const field = rule.name;
  if (value === undefined) {
    return { field, code: "missing", message: `Missing '${field}': send ${rule.expected}` };
  }
  if (typeof value !== "number") {
    return {
      field,
      code: "wrong_type",
      message: `'${field}' must be ${rule.expected}: received ${jsonType(value)}`,
      received: echoed(value),
    };
  }
  if (!Number.isFinite(value)) {
    return {
      field,
      code: "not_finite",
      message: `'${field}' must be a finite number, ${rule.expected}: received ${value}`,
      received: echoed(value),
    };
  }
  if (rule.integer && rule.allowed === undefined && !Number.isInteger(value)) {
    return {
      field,
      code: "wrong_type",
      message: `'${field}' must be ${rule.expected}: received ${value}`,
      received: value,
    };
  }
  const tooLarge = value > rule.maximum && rule.maximum > 1e38;
  return {
    field,
    code: "out_of_range",
    message: tooLarge
      ? `'${field}' must be ${rule.expected} within float32 range (<= ${rule.maximum}): ` +
        `received ${value}`
      : `'${field}' must be ${rule.expected}: received ${value}`,
    received: value,
  };
}

function transactionIdError(rule: StringRule, value: unknown): FieldError {
  const field = rule.name;
  if (typeof value !== "string") {
    return {
      field,
      code: "wrong_type",
      message: `'${field}' must be ${rule.expected}: received ${jsonType(value)}`,
      received: echoed(value),
    };
  }
  return {
    field,
    code: "out_of_range",
    message: `'${field}' must be ${rule.expected}: received ${value.length} characters`,
    received: echoed(value),
  };
}

function unknownField(key: string, value: unknown, rules: RowRules): FieldError {
  return {
    field: key,
    code: "unknown_field",
    message: `Unknown field '${key}': a row takes the ${rules.features.length} contract ` +
      `features and optionally '${rules.transactionId.name}' (see /openapi.json)`,
    received: echoed(value),
  };
}
