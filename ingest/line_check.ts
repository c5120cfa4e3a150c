// Bronze's check of one landed line against its topic's contract, at ingest speed: a predicate
// compiled once from the zod schema accepts ordinary events without zod's machinery, and zod
// itself (validateEvent) decides, and explains, every line the predicate does not accept.
import type { z } from "zod";
import {
  EVENT_SCHEMAS,
  type RejectKind,
  type Topic,
  validateEvent,
} from "../contracts/events/mod.ts";

/** A line's verdict: accepted, or rejected with the contract's kind and reason. */
export type LineCheck = { readonly ok: true } | {
  readonly ok: false;
  readonly kind: RejectKind;
  readonly reason: string;
};

const ACCEPTED: LineCheck = { ok: true };

/** Accepts a parsed value that its schema surely accepts; false means "ask zod". */
export type AcceptPredicate = (value: unknown) => boolean;

const predicates = new Map<Topic, AcceptPredicate | null>();

/** Checks `line` as validateEvent does (same verdict, kind and reason), faster when valid. */
export function checkLine(topic: Topic, line: string): LineCheck {
  const accept = predicateOf(topic);
  if (accept !== null) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      parsed = undefined;
    }
    if (parsed !== undefined && accept(parsed)) return ACCEPTED;
  }
  const result = validateEvent(topic, line);
  return result.ok ? ACCEPTED : result;
}

function predicateOf(topic: Topic): AcceptPredicate | null {
  let accept = predicates.get(topic);
  if (accept === undefined) {
    accept = compileAccept(EVENT_SCHEMAS[topic] as unknown as z.ZodType) ?? null;
    predicates.set(topic, accept);
  }
  return accept;
}

// The parts of zod's internal definitions the compiler reads; anything else is not compiled.
interface Def {
  readonly type: string;
  readonly format?: string;
  readonly pattern?: RegExp;
  readonly checks?: readonly { readonly _zod: { readonly def: CheckDef } }[];
  readonly shape?: Readonly<Record<string, z.ZodType>>;
  readonly catchall?: unknown;
  readonly entries?: Readonly<Record<string, unknown>>;
  readonly innerType?: z.ZodType;
  readonly element?: z.ZodType;
}

interface CheckDef {
  readonly check: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly value?: number;
  readonly inclusive?: boolean;
  readonly format?: string;
  readonly pattern?: RegExp;
}

const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/**
 * A predicate that returns true only for values `schema` accepts, built from the schema's
 * definition: objects (unknown keys allowed, as zod strips them), strings with length and
 * pattern checks, numbers with bounds, safe integers, booleans, enums, nullable, optional and
 * arrays. Undefined when the schema uses anything else, so it is never guessed at.
 */
export function compileAccept(schema: z.ZodType): AcceptPredicate | undefined {
  const def = defOf(schema);
  switch (def.type) {
    case "object":
      return compileObject(def);
    case "string":
      return compileString(def);
    case "number":
      return compileNumber(def);
    case "boolean":
      return def.checks?.length ? undefined : (v) => typeof v === "boolean";
    case "enum": {
      if (def.checks?.length || def.entries === undefined) return undefined;
      const values = new Set(Object.values(def.entries));
      return (v) => values.has(v);
    }
    case "nullable": {
      const inner = def.innerType && compileAccept(def.innerType);
      return inner && ((v) => v === null || inner(v));
    }
    case "optional": {
      const inner = def.innerType && compileAccept(def.innerType);
      return inner && ((v) => v === undefined || inner(v));
    }
    case "array":
      return compileArray(def);
    default:
      return undefined;
  }
}

function compileObject(def: Def): AcceptPredicate | undefined {
  if (def.checks?.length || def.catchall !== undefined || def.shape === undefined) {
    return undefined;
  }
  const fields: [string, AcceptPredicate][] = [];
  for (const [key, field] of Object.entries(def.shape)) {
    const accept = compileAccept(field);
    if (accept === undefined) return undefined;
    fields.push([key, accept]);
  }
  return (v) => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
    const record = v as Record<string, unknown>;
    for (const [key, accept] of fields) if (!accept(record[key])) return false;
    return true;
  };
}

function compileString(def: Def): AcceptPredicate | undefined {
  const tests: ((s: string) => boolean)[] = [];
  if (def.format !== undefined) {
    // A format string (z.iso.datetime() and kin) is its pattern and nothing else.
    if (!(def.pattern instanceof RegExp) || def.pattern.global || def.pattern.sticky) {
      return undefined;
    }
    const pattern = def.pattern;
    tests.push((s) => pattern.test(s));
  }
  for (const { _zod: { def: check } } of def.checks ?? []) {
    if (check.check === "min_length" && check.minimum !== undefined) {
      const min = check.minimum;
      tests.push((s) => s.length >= min);
    } else if (check.check === "max_length" && check.maximum !== undefined) {
      const max = check.maximum;
      tests.push((s) => s.length <= max);
    } else if (
      check.check === "string_format" && check.format === "regex" &&
      check.pattern instanceof RegExp && !check.pattern.global && !check.pattern.sticky
    ) {
      const pattern = check.pattern;
      tests.push((s) => pattern.test(s));
    } else return undefined;
  }
  return (v) => {
    if (typeof v !== "string") return false;
    for (const test of tests) if (!test(v)) return false;
    return true;
  };
}

function compileNumber(def: Def): AcceptPredicate | undefined {
  if (def.format !== undefined && def.format !== "safeint") return undefined;
  const integer = def.format === "safeint";
  let min = -Infinity;
  let max = Infinity;
  let minInclusive = true;
  let maxInclusive = true;
  for (const { _zod: { def: check } } of def.checks ?? []) {
    if (check.check === "greater_than" && typeof check.value === "number") {
      if (check.value > min || (check.value === min && !check.inclusive)) {
        min = check.value;
        minInclusive = check.inclusive === true;
      }
    } else if (check.check === "less_than" && typeof check.value === "number") {
      if (check.value < max || (check.value === max && !check.inclusive)) {
        max = check.value;
        maxInclusive = check.inclusive === true;
      }
    } else return undefined;
  }
  return (v) =>
    typeof v === "number" && Number.isFinite(v) && (!integer || Number.isSafeInteger(v)) &&
    (minInclusive ? v >= min : v > min) && (maxInclusive ? v <= max : v < max);
}

function compileArray(def: Def): AcceptPredicate | undefined {
  const element = def.element && compileAccept(def.element);
  if (element === undefined) return undefined;
  let min = 0;
  let max = Infinity;
  for (const { _zod: { def: check } } of def.checks ?? []) {
    if (check.check === "min_length" && check.minimum !== undefined) {
      min = Math.max(min, check.minimum);
    } else if (check.check === "max_length" && check.maximum !== undefined) {
      max = Math.min(max, check.maximum);
    } else return undefined;
  }
  return (v) => {
    if (!Array.isArray(v) || v.length < min || v.length > max) return false;
    for (const item of v) if (!element(item)) return false;
    return true;
  };
}
