import assert from "node:assert/strict";
import { z } from "zod";
import { FEATURE_NAMES } from "../../../models/features.ts";
import { FLOAT32_MAX, PredictRequestSchema } from "../../../web/serve/api_schemas.ts";
import {
  FeatureRuleError,
  featureRules,
  satisfies,
  stringRule,
} from "../../../web/serve/feature_rules.ts";

const rules = featureRules(PredictRequestSchema, FEATURE_NAMES);
const rule = (name: string) => rules.find((candidate) => candidate.name === name)!;

Deno.test("featureRules() reads counts, measures and flags from the request schema", () => {
  assert.equal(rules.length, 25);
  assert.deepEqual(rule("velocity_1h"), {
    name: "velocity_1h",
    integer: true,
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    exclusiveMinimum: -Infinity,
    exclusiveMaximum: Infinity,
    allowed: undefined,
    expected: "an integer >= 0",
  });
  assert.deepEqual(rule("amount_usd"), {
    name: "amount_usd",
    integer: false,
    minimum: 0,
    maximum: FLOAT32_MAX,
    exclusiveMinimum: -Infinity,
    exclusiveMaximum: Infinity,
    allowed: undefined,
    expected: "a number >= 0",
  });
  assert.deepEqual(rule("vpn_detected").allowed, [0, 1]);
  assert.equal(rule("vpn_detected").expected, "0 or 1");
});

Deno.test("featureRules() keeps the contract's upper bounds: calendar, risk tier and risk scores", () => {
  const bounds = (name: string) => [rule(name).minimum, rule(name).maximum, rule(name).expected];
  assert.deepEqual(bounds("hour_of_day"), [0, 23, "an integer from 0 to 23"]);
  assert.deepEqual(bounds("day_of_week"), [1, 7, "an integer from 1 to 7"]);
  assert.deepEqual(bounds("risk_tier_encoded"), [0, 2, "an integer from 0 to 2"]);
  assert.deepEqual(bounds("country_risk_score"), [0, 1, "a number from 0 to 1"]);
  assert.deepEqual(bounds("payment_risk_score"), [0, 1, "a number from 0 to 1"]);
  assert.equal(satisfies(rule("day_of_week"), 0), false);
  assert.equal(satisfies(rule("hour_of_day"), 24), false);
  assert.equal(satisfies(rule("payment_risk_score"), 1.0001), false);
  assert.equal(satisfies(rule("payment_risk_score"), 1), true);
});

Deno.test("satisfies() rejects non-finite, fractional counts and values past float32", () => {
  assert.equal(satisfies(rule("velocity_1h"), 3), true);
  assert.equal(satisfies(rule("velocity_1h"), 3.5), false);
  assert.equal(satisfies(rule("velocity_1h"), -1), false);
  assert.equal(satisfies(rule("velocity_1h"), Infinity), false);
  assert.equal(satisfies(rule("amount_usd"), 1e38), true);
  assert.equal(satisfies(rule("amount_usd"), 1e39), false);
  assert.equal(satisfies(rule("amount_usd"), NaN), false);
  assert.equal(satisfies(rule("vpn_detected"), 1), true);
  assert.equal(satisfies(rule("vpn_detected"), 0.5), false);
});

Deno.test("stringRule() reads transaction_id's length bounds", () => {
  assert.deepEqual(stringRule(PredictRequestSchema, "transaction_id"), {
    name: "transaction_id",
    minLength: 1,
    maxLength: 128,
    expected: "a string of 1 to 128 characters",
  });
});

Deno.test("featureRules() refuses a feature it cannot check with numbers", () => {
  const schema = z.strictObject({ velocity_1h: z.string() });
  assert.throws(
    () => featureRules(schema, ["velocity_1h"]),
    (error: Error) =>
      error instanceof FeatureRuleError &&
      error.message.startsWith(
        "Cannot compile the rule of 'velocity_1h' as it must be a number, an integer or a set of numeric constants",
      ),
  );
});
