// The envelope of POST /v1/predict/batch and its rows: the 413 past 10,000 rows, the 422 of a
// malformed envelope, and each row read into one Float32Array with its own errors kept apart.
import type { z } from "zod";
import { ApiError, duplicateError, echoed, invalidRequest, jsonType } from "./api_error.ts";
import { BatchRequestSchema, type FieldError, MAX_BATCH_ROWS } from "./api_schemas.ts";
import type { JsonPath } from "./duplicate_keys.ts";
import type { RowReader } from "./row_reader.ts";

/** A batch's rows read for scoring: the valid ones packed in order, the others with errors. */
export interface ReadBatch {
  /** The request's rows as sent. */
  readonly rows: readonly unknown[];
  /** Features of the valid rows, row-major, `scored.length` rows. */
  readonly input: Float32Array;
  /** Request index of each packed row. */
  readonly scored: readonly number[];
  readonly transactionIds: readonly (string | undefined)[];
  readonly rejected: ReadonlyMap<number, readonly FieldError[]>;
}

/**
 * Reads every row; a row with a repeated key (`duplicates`, paths from the body's root) is
 * rejected with that error, the envelope's own repeats fail the whole request.
 */
export function readBatch(
  value: unknown,
  duplicates: readonly JsonPath[],
  reader: RowReader,
): ReadBatch {
  const rows = batchRows(value);
  const { perRow, envelope } = splitDuplicates(duplicates);
  if (envelope.length > 0) throw invalidRequest("The request repeats a field", envelope);
  const width = reader.width;
  const input = new Float32Array(rows.length * width);
  const scored: number[] = [];
  const transactionIds: (string | undefined)[] = [];
  const rejected = new Map<number, readonly FieldError[]>();
  for (let index = 0; index < rows.length; index++) {
    const repeated = perRow.get(index);
    if (repeated !== undefined) {
      rejected.set(index, repeated);
      continue;
    }
    const read = reader.read(rows[index], input, scored.length * width);
    if (read.ok) {
      scored.push(index);
      transactionIds.push(read.transactionId);
    } else {
      rejected.set(index, read.errors);
    }
  }
  return { rows, input, scored, transactionIds, rejected };
}

function splitDuplicates(duplicates: readonly JsonPath[]) {
  const perRow = new Map<number, FieldError[]>();
  const envelope: FieldError[] = [];
  for (const path of duplicates) {
    const [first, index, ...rest] = path;
    if (first === "rows" && typeof index === "number" && rest.length > 0) {
      const errors = perRow.get(index) ?? [];
      errors.push(duplicateError(rest));
      perRow.set(index, errors);
    } else {
      envelope.push(duplicateError(path));
    }
  }
  return { perRow, envelope };
}

/** The rows of a batch body, or the 413 / 422 that says why the envelope is wrong. */
export function batchRows(value: unknown): readonly unknown[] {
  const rows = (value as { rows?: unknown } | null)?.rows;
  if (Array.isArray(rows) && rows.length > MAX_BATCH_ROWS) {
    throw new ApiError(
      413,
      "payload_too_large",
      `Cannot score the batch as it must have at most ${MAX_BATCH_ROWS} rows: current count is ${rows.length}; split it`,
    );
  }
  // The envelope nearly every request sends, accepted without zod's copy of the row array
  // (0.1 ms of a 1,000-row batch); any other value gets the schema's verdict and errors.
  if (
    Array.isArray(rows) && rows.length >= 1 && !Array.isArray(value) &&
    Object.keys(value as object).length === 1
  ) {
    return rows;
  }
  const parsed = BatchRequestSchema.safeParse(value);
  if (!parsed.success) {
    throw invalidRequest(
      `The batch must be {"rows": [...]} with 1 to ${MAX_BATCH_ROWS} rows`,
      envelopeErrors(value, parsed.error.issues),
    );
  }
  return parsed.data.rows;
}

function envelopeErrors(value: unknown, issues: readonly z.core.$ZodIssue[]): FieldError[] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return [{
      field: "",
      code: "wrong_type",
      message: `The body must be a JSON object {"rows": [...]}: received ${jsonType(value)}`,
      received: echoed(value),
    }];
  }
  const rows = (value as { rows?: unknown }).rows;
  return issues.flatMap((issue): FieldError[] => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        field: key,
        code: "unknown_field",
        message: `Unknown field '${key}': a batch body has only 'rows'`,
      }));
    }
    if (rows === undefined) {
      return [{
        field: "rows",
        code: "missing",
        message: `Missing 'rows': send an array of 1 to ${MAX_BATCH_ROWS} rows`,
      }];
    }
    if (!Array.isArray(rows)) {
      return [{
        field: "rows",
        code: "wrong_type",
        message: `'rows' must be an array of 1 to ${MAX_BATCH_ROWS} rows: received ${
          jsonType(rows)
        }`,
        received: echoed(rows),
      }];
    }
    return [{
      field: "rows",
      code: "out_of_range",
      message: `'rows' must hold 1 to ${MAX_BATCH_ROWS} rows: received ${rows.length}`,
    }];
  });
}
