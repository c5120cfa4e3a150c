// Plain numeric rules compiled from the request schema's JSON Schema (the same zod schemas that
// validate and document the API), so the hot path checks a row with comparisons only and
// zod runs only on rows that fail, to say why.
import { z } from "zod";
import { FLOAT32_MAX } from "./api_schemas.ts";

export interface FeatureRule {
  readonly name: string;
  readonly integer: boolean;
  /** Inclusive bounds; exclusive ones are kept apart. */
  readonly minimum: number;
  readonly maximum: number;
  readonly exclusiveMinimum: number;
  readonly exclusiveMaximum: number;
  /** When set, the only accepted values. */
  readonly allowed: readonly number[] | undefined;
  /** What the field takes, in words: "an integer >= 0", "0 or 1". */
  readonly expected: string;
}

export interface StringRule {
  readonly name: string;
  readonly minLength: number;
  readonly maxLength: number;
  readonly expected: string;
}

/** The request schema has a field the compiler does not understand. */
export class FeatureRuleError extends Error {
  override readonly name = "FeatureRuleError";
}

interface JsonSchema {
  readonly type?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly anyOf?: readonly JsonSchema[];
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
}

/** The rules of `names`, in that order, read from the object schema's JSON Schema. */
export function featureRules(
  schema: z.ZodType,
  names: readonly string[],
): readonly FeatureRule[] {
  const properties = objectProperties(schema);
  return names.map((name) => {
    const property = properties[name];
    if (property === undefined) {
      throw new FeatureRuleError(
        `Cannot compile the feature rules as '${name}' is not a property of the request schema`,
      );
    }
    return numberRule(name, property);
  });
}

/** The rule of an optional string property such as transaction_id. */
export function stringRule(schema: z.ZodType, name: string): StringRule {
  const property = objectProperties(schema)[name];
  if (property?.type !== "string") {
    throw new FeatureRuleError(
      `Cannot compile the rule of '${name}' as it must be a string property: ` +
        `current schema is ${JSON.stringify(property)}`,
    );
  }
  const minLength = property.minLength ?? 0;
  const maxLength = property.maxLength ?? Number.MAX_SAFE_INTEGER;
  return {
    name,
    minLength,
    maxLength,
    expected: `a string of ${minLength} to ${maxLength} characters`,
  };
}

/** True when the value passes the rule; never true for NaN or an infinity. */
export function satisfies(rule: FeatureRule, value: number): boolean {
  if (rule.allowed !== undefined) return rule.allowed.includes(value);
  if (rule.integer ? !Number.isInteger(value) : !Number.isFinite(value)) return false;
  return value >= rule.minimum && value <= rule.maximum && value > rule.exclusiveMinimum &&
    value < rule.exclusiveMaximum;
}

function objectProperties(schema: z.ZodType): Readonly<Record<string, JsonSchema>> {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  if (json.properties === undefined) {
    throw new FeatureRuleError("Cannot compile the feature rules as the schema is not an object");
  }
  return json.properties;
}

function numberRule(name: string, property: JsonSchema): FeatureRule {
  const constants = constantsOf(property);
  if (constants !== undefined) {
    return {
      name,
      integer: constants.every(Number.isInteger),
      minimum: Math.min(...constants),
      maximum: Math.max(...constants),
      exclusiveMinimum: -Infinity,
      exclusiveMaximum: Infinity,
      allowed: constants,
      expected: constants.length === 2
        ? `${constants[0]} or ${constants[1]}`
        : `one of ${constants.join(", ")}`,
    };
  }
  if (property.type !== "integer" && property.type !== "number") {
    throw new FeatureRuleError(
      `Cannot compile the rule of '${name}' as it must be a number, an integer or a set of ` +
        `numeric constants: current schema is ${JSON.stringify(property)}`,
    );
  }
  const integer = property.type === "integer";
  const rule = {
    name,
    integer,
    minimum: property.minimum ?? -Infinity,
    maximum: property.maximum ?? Infinity,
    exclusiveMinimum: property.exclusiveMinimum ?? -Infinity,
    exclusiveMaximum: property.exclusiveMaximum ?? Infinity,
    allowed: undefined,
  };
  return { ...rule, expected: describe(rule) };
}

function constantsOf(property: JsonSchema): number[] | undefined {
  const options = property.anyOf?.map((option) => option.const) ??
    (property.enum ? [...property.enum] : property.const !== undefined ? [property.const] : []);
  if (options.length === 0) return undefined;
  if (!options.every((option): option is number => typeof option === "number")) {
    throw new FeatureRuleError(
      `Cannot compile a rule as its allowed values must all be numbers: current values are ${
        JSON.stringify(options)
      }`,
    );
  }
  return options;
}

function describe(rule: Omit<FeatureRule, "expected">): string {
  const parts = [rule.integer ? "an integer" : "a number"];
  // The safe-integer and float32 ceilings are implied by "an integer" and "a number".
  const implied = rule.integer ? Number.MAX_SAFE_INTEGER : FLOAT32_MAX;
  const bounded = rule.minimum > -Infinity && rule.maximum < implied;
  if (bounded) parts.push(`from ${rule.minimum} to ${rule.maximum}`);
  else if (rule.minimum > -Infinity) parts.push(`>= ${rule.minimum}`);
  if (rule.exclusiveMinimum > -Infinity) parts.push(`> ${rule.exclusiveMinimum}`);
  if (!bounded && rule.maximum < implied) parts.push(`<= ${rule.maximum}`);
  if (rule.exclusiveMaximum < Infinity) parts.push(`< ${rule.exclusiveMaximum}`);
  return parts.join(" ");
}
