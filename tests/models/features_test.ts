// The feature contract: 25 named, described features in a fixed order, a label kept apart,
// and a check that fails silver.orders_enriched on any column or type that drifts.
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  FEATURE_NAMES,
  FEATURES,
  FeatureVectorSchema,
  LABEL,
  ORDERS_ENRICHED_COLUMNS,
  ordersEnrichedDdl,
} from "../../models/features.ts";
import { compareColumns, featureContractCheck } from "../../models/feature_contract_check.ts";
import { openDuckDb } from "../../resources/duckdb/duckdb.ts";
import { DATA_FILE, emptyRelation } from "../../resources/duckdb/duckdb_sql_engine.ts";
import type { CheckContext } from "../../runtime/definitions/check.ts";

Deno.test("the contract has 25 unique, described features and keeps the label out of them", () => {
  assert.equal(FEATURES.length, 25);
  assert.equal(new Set(FEATURE_NAMES).size, 25);
  assert.deepEqual(FEATURE_NAMES.slice(0, 3), ["velocity_1h", "velocity_24h", "velocity_7d"]);
  for (const feature of FEATURES) assert.ok(feature.description.length > 0, feature.name);
  for (const label of LABEL) assert.ok(!FEATURE_NAMES.includes(label.name), label.name);
  const names = ORDERS_ENRICHED_COLUMNS.map((column) => column.name);
  assert.equal(new Set(names).size, names.length, "no column is listed twice");
});

Deno.test("FeatureVectorSchema accepts a full vector and rejects a missing or extra feature", () => {
  const vector: Record<string, number> = {
    ...Object.fromEntries(FEATURE_NAMES.map((name) => [name, 0])),
    day_of_week: 1,
  };
  assert.ok(FeatureVectorSchema.safeParse(vector).success);
  const { velocity_1h: _, ...missing } = vector;
  assert.ok(!FeatureVectorSchema.safeParse(missing).success);
  assert.ok(!FeatureVectorSchema.safeParse({ ...vector, is_fraud: 1 }).success);
});

Deno.test("the contract bounds the calendar, the risk tier and the risk scores above as well as below", () => {
  const vector = { ...Object.fromEntries(FEATURE_NAMES.map((name) => [name, 0])), day_of_week: 1 };
  const accepts = (change: Record<string, number>) =>
    FeatureVectorSchema.safeParse({ ...vector, ...change }).success;
  const edges: [string, number, number][] = [
    ["hour_of_day", 0, 23],
    ["day_of_week", 1, 7],
    ["risk_tier_encoded", 0, 2],
    ["country_risk_score", 0, 1],
    ["payment_risk_score", 0, 1],
  ];
  for (const [name, low, high] of edges) {
    assert.ok(accepts({ [name]: low }) && accepts({ [name]: high }), `${name} ${low}..${high}`);
    assert.ok(!accepts({ [name]: high + 1 }), `${name} above ${high}`);
    assert.ok(!accepts({ [name]: low - 1 }), `${name} below ${low}`);
  }
  assert.ok(accepts({ payment_risk_score: 0.35 }), "a score is a real number");
  assert.ok(!accepts({ hour_of_day: 2.5 }), "an hour is an integer");
});

/** Runs the contract check on a Parquet file written from `select`. */
async function checkFile(select: string) {
  const dir = await Deno.makeTempDir({ prefix: "sluice-contract-" });
  try {
    const db = await openDuckDb({ threads: 1 });
    await db.copyToParquet(select, join(dir, DATA_FILE));
    db.close();
    const ctx = { output: { uri: "", dir }, resources: {} } as unknown as CheckContext;
    return await featureContractCheck().run(ctx);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("the contract check passes a Parquet file with exactly the contract's columns", async () => {
  const outcome = await checkFile(`SELECT * FROM ${emptyRelation(ordersEnrichedDdl())}`);
  assert.equal(outcome.passed, true, outcome.message);
});

Deno.test("the contract check fails on a column of the wrong type and names it", async () => {
  const ddl = ordersEnrichedDdl().replace("velocity_1h INTEGER", "velocity_1h BIGINT");
  const outcome = await checkFile(`SELECT * FROM ${emptyRelation(ddl)}`);
  assert.equal(outcome.passed, false);
  assert.match(outcome.message, /'velocity_1h' BIGINT; expected 'velocity_1h' INTEGER/);
});

Deno.test("the contract check fails on a renamed or missing column", () => {
  const actual = ORDERS_ENRICHED_COLUMNS.map((column) => ({
    name: column.name,
    type: column.sqlType,
  }));
  const renamed = actual.map((c) => c.name === "geo_mismatch" ? { ...c, name: "geo_flag" } : c);
  assert.match(
    compareColumns(ORDERS_ENRICHED_COLUMNS, renamed).message,
    /'geo_flag'.*expected 'geo_mismatch'/,
  );
  const missing = compareColumns(ORDERS_ENRICHED_COLUMNS, actual.slice(0, -1));
  assert.equal(missing.passed, false);
  assert.match(missing.message, /missing column 'fraud_pattern'/);
});
