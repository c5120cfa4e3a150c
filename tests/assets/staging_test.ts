// Staging's SQL comes from one template; its field types come from the event contracts.
import assert from "node:assert/strict";
import { STAGED_FIELDS, stagingAssets, stagingSql } from "../../assets/staging.ts";
import { duckDbSqlEngine } from "../../resources/duckdb/duckdb_sql_engine.ts";

Deno.test("staging types each field as its contract does and refs its own bronze topic", () => {
  const sql = stagingSql("payments");
  assert.match(sql, /"provider_risk_score": "DOUBLE"/);
  assert.match(sql, /"is_3ds_authenticated": "BOOLEAN"/);
  assert.match(sql, /"status": "VARCHAR"/); // an enum in the contract
  assert.match(sql, /"event_time": "VARCHAR"/); // an ISO timestamp, cast where it is used
  assert.match(sql, /FROM \{\{ ref\('bronze\.payments'\) \}\}/);
});

Deno.test("stagingAssets() gives one daily SQL asset per topic with bronze as its upstream", () => {
  const assets = stagingAssets(duckDbSqlEngine());
  assert.deepEqual(
    assets.map((a) => a.key),
    Object.keys(STAGED_FIELDS).sort().map((topic) => `staging.${topic}`),
  );
  for (const asset of assets) {
    assert.deepEqual(asset.deps.map((d) => d.key), [asset.key.replace("staging.", "bronze.")]);
    assert.equal(asset.partitions.describe().startsWith("daily"), true, asset.key);
    assert.ok(asset.renderSql!().includes("json_transform(payload"), asset.key);
  }
});

Deno.test("staging a field the contract does not have fails with the field named", () => {
  const fields = STAGED_FIELDS.refunds as string[];
  fields.push("no_such_field");
  try {
    assert.throws(() => stagingSql("refunds"), /'no_such_field' of refunds: the refunds contract/);
  } finally {
    fields.pop();
  }
});
