// Reads one request row into the model's float32 input: a valid row is checked against rules
// compiled from PredictRequestSchema and written in one pass; a row that fails is handed to the
// schema itself (zod), whose verdict is final and whose issues become the row's FieldErrors.
import type { z } from "zod";
import { FEATURE_NAMES } from "../../models/features.ts";
import { PredictRequestSchema } from "./api_schemas.ts";
import type { FieldError } from "./api_schemas.ts";
import { featureRules, satisfies, stringRule } from "./feature_rules.ts";
import { fieldErrors, type RowRules } from "./field_errors.ts";

export type RowResult =
  | { readonly ok: true; readonly transactionId: string | undefined }
  | { readonly ok: false; readonly errors: readonly FieldError[] };

const TRANSACTION_ID = "transaction_id";

export class RowReader {
  readonly rules: RowRules;
  readonly #schema: z.ZodType;
  readonly #names: readonly string[];

  constructor(schema: z.ZodType = PredictRequestSchema, names: readonly string[] = FEATURE_NAMES) {
    this.#schema = schema;
    this.#names = names;
    this.rules = {
      features: featureRules(schema, names),
      transactionId: stringRule(schema, TRANSACTION_ID),
    };
  }

  get width(): number {
    return this.#names.length;
  }

  /** Checks `row` and, when valid, writes its features at `into[offset..offset + width)`. */
  read(row: unknown, into: Float32Array, offset: number): RowResult {
    const fast = this.#readFast(row, into, offset);
    if (fast !== false) return { ok: true, transactionId: fast };
    const parsed = this.#schema.safeParse(row);
    if (!parsed.success) {
      return { ok: false, errors: fieldErrors(row, parsed.error.issues, this.rules) };
    }
    // zod accepted what the compiled rules did not: zod is the contract, so take its values.
    const values = parsed.data as Record<string, unknown>;
    for (let i = 0; i < this.#names.length; i++) {
      into[offset + i] = values[this.#names[i]] as number;
    }
    return { ok: true, transactionId: values[TRANSACTION_ID] as string | undefined };
  }

  /** The transaction id when the row passes every rule (written), false otherwise. */
  #readFast(row: unknown, into: Float32Array, offset: number): string | undefined | false {
    if (row === null || typeof row !== "object" || Array.isArray(row)) return false;
    const values = row as Record<string, unknown>;
    const rules = this.rules.features;
    for (let i = 0; i < rules.length; i++) {
      const value = values[rules[i].name];
      if (typeof value !== "number" || !satisfies(rules[i], value)) return false;
      into[offset + i] = value;
    }
    let keys = rules.length;
    const transactionId = values[TRANSACTION_ID];
    if (transactionId !== undefined) {
      const rule = this.rules.transactionId;
      if (
        typeof transactionId !== "string" || transactionId.length < rule.minLength ||
        transactionId.length > rule.maxLength
      ) return false;
      keys++;
    }
    // Every expected key is present, so a larger count means an unknown key.
    if (Object.keys(values).length !== keys) return false;
    return transactionId as string | undefined;
  }
}
