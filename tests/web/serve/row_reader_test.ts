import assert from "node:assert/strict";
import { FEATURE_NAMES } from "../../../models/features.ts";
import { PredictRequestSchema } from "../../../web/serve/api_schemas.ts";
import { RowReader } from "../../../web/serve/row_reader.ts";
import { featureRow, randomRows, seededRandom } from "./_fixture_model.ts";

const reader = new RowReader();

Deno.test("read() writes a valid row's features as float32 in contract order", () => {
  const row = featureRow({ amount_usd: 0.1, transaction_id: "t-1" });
  const into = new Float32Array(30).fill(-7);
  const result = reader.read(row, into, 5);
  assert.deepEqual(result, { ok: true, transactionId: "t-1" });
  assert.deepEqual(
    [...into.subarray(5)],
    FEATURE_NAMES.map((name) => Math.fround(row[name] as number)),
  );
  assert.equal(into[4], -7);
});

Deno.test("read() lists one error per bad field, features first and unknown keys last", () => {
  const row: Record<string, unknown> = featureRow({
    velocity_1h: -1,
    amount_usd: "12",
    chargeback_rate: null,
    vpn_detected: 2,
    hour_of_day: 1.5,
    account_age_days: 1e39,
    transaction_id: "",
    colour: "red",
  });
  delete row.day_of_week;
  const result = reader.read(row, new Float32Array(25), 0);
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.deepEqual(result.errors.map((error) => [error.field, error.code, error.received]), [
    ["velocity_1h", "out_of_range", -1],
    ["amount_usd", "wrong_type", "12"],
    ["account_age_days", "out_of_range", 1e39],
    ["chargeback_rate", "wrong_type", null],
    ["vpn_detected", "out_of_range", 2],
    ["hour_of_day", "wrong_type", 1.5],
    ["day_of_week", "missing", undefined],
    ["transaction_id", "out_of_range", ""],
    ["colour", "unknown_field", "red"],
  ]);
  assert.equal(result.errors[0].message, "'velocity_1h' must be an integer >= 0: received -1");
  assert.equal(result.errors[6].message, "Missing 'day_of_week': send an integer from 1 to 7");
  assert.equal(
    result.errors[2].message,
    "'account_age_days' must be a number >= 0 within float32 range (<= 3.4028234663852886e+38): received 1e+39",
  );
});

Deno.test("read() says what a row that is not an object was", () => {
  for (const [row, type] of [[[1, 2], "array"], [null, "null"], ["x", "string"], [7, "number"]]) {
    const result = reader.read(row, new Float32Array(25), 0);
    assert.equal(result.ok, false);
    if (!result.ok) {
      assert.equal(
        result.errors[0].message,
        `The row must be a JSON object of the 25 contract features: received ${type}`,
      );
    }
  }
});

// The compiled rules are a shortcut: they must never accept a row the zod schema rejects.
Deno.test("read() accepts exactly the rows PredictRequestSchema accepts (10,000 mutated rows)", () => {
  const random = seededRandom(42);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const values: unknown[] = [
    -1,
    0,
    1,
    2,
    3,
    0.5,
    -0,
    1.5,
    23,
    1e-300,
    2 ** 53,
    2 ** 53 - 1,
    3.4028234663852886e38,
    1e39,
    Infinity,
    -Infinity,
    NaN,
    "1",
    "",
    null,
    true,
    false,
    [],
    [1],
    {},
    { a: 1 },
    undefined,
  ];
  const base = randomRows(7, 100);
  const into = new Float32Array(25);
  let accepted = 0;
  for (let i = 0; i < 10_000; i++) {
    const row: Record<string, unknown> = { ...pick(base) };
    const mutations = Math.floor(random() * 3);
    for (let m = 0; m < mutations; m++) {
      const kind = random();
      if (kind < 0.7) row[pick(FEATURE_NAMES)] = pick(values);
      else if (kind < 0.8) delete row[pick(FEATURE_NAMES)];
      else if (kind < 0.9) {
        row.transaction_id = pick(["", "t", "x".repeat(128), "x".repeat(129), 5, null]);
      } else row[pick(["extra", "__proto__", "constructor", "Velocity_1h"])] = 1;
    }
    const result = reader.read(row, into, 0);
    const expected = PredictRequestSchema.safeParse(row).success;
    assert.equal(result.ok, expected, `row ${i}: ${JSON.stringify(row)}`);
    if (result.ok) {
      accepted++;
      assert.deepEqual([...into], FEATURE_NAMES.map((name) => Math.fround(row[name] as number)));
    }
  }
  assert.ok(accepted > 2000 && accepted < 8000, `a mix of valid and invalid rows: ${accepted}`);
});
