// gold.order_risk_scores through the runtime: every order of a day scored by the champion in
// batches through onnxruntime, beside the rules' score; stale with "alias champion of ... moved"
// when the champion moves and rescored by the new one; a warn-level drift check names the
// features whose PSI passes 0.2; the table it publishes exists before any champion does.
import assert from "node:assert/strict";
import type { PartitionKey } from "../../../runtime/partitions/partition_key.ts";
import { describeStatus } from "../../../runtime/staleness/status.ts";
import { loadPointer } from "../../../runtime/store/partition_store.ts";
import { openDuckDb } from "../../../resources/duckdb/duckdb.ts";
import { DATA_FILE } from "../../../resources/duckdb/duckdb_sql_engine.ts";
import { publishPartition } from "../../../resources/warehouse/publish_partition.ts";
import { CHAMPION } from "../../../models/model_versions.ts";
import { fraudDetectorAsset } from "../../../assets/fraud_detector.ts";
import {
  orderRiskScoresAsset,
  SCORE_COLUMNS,
  SCORES_WAREHOUSE_MIGRATIONS,
} from "../../../assets/order_risk_scores.ts";
import type { TreeModel } from "../../../models/tree_model.ts";
import { FakeClock } from "../../support/fake_clock.ts";
import { type Harness, openHarness } from "../../support/runtime_harness.ts";
import { fakeAlerts, fakeSilver, FAST_PARAMS } from "../_model_fixture.ts";

const NOW = new Date("2026-03-06T12:00:00Z");
const DAY4 = "2026-03-04" as PartitionKey;
const DAY5 = "2026-03-05" as PartitionKey;
const DAY6 = "2026-03-06" as PartitionKey;

function assets() {
  const silver = fakeSilver({ driftDays: [DAY6] });
  const alerts = fakeAlerts(silver);
  const model = fraudDetectorAsset(silver, alerts, {
    params: FAST_PARAMS,
    gates: { ...FAST_GATES },
  });
  const scores = orderRiskScoresAsset(silver, alerts, model);
  return { silver, alerts, model, scores };
}

/** Every gate passes for any model (the model's own tests hold them to their bounds). */
const FAST_GATES = {
  minRocAuc: 0,
  minPrecision: 0,
  minRecall: 0,
  featureCount: 25,
  minTrainingRows: 1000,
  maxAucDrop: 1,
};

/** The harness with every day of the silver and alerts stand-ins materialized. */
async function openScores(clock = new FakeClock(NOW)) {
  const { silver, alerts, model, scores } = assets();
  const h = await openHarness([silver, alerts, model, scores], { clock });
  const upstream = await h.run({ selection: "silver.orders_enriched,gold.fraud_alerts" });
  assert.equal(upstream.run?.status, "succeeded");
  return { h, model, scores };
}

async function scoresOf(h: Harness, key: string, day: PartitionKey) {
  const pointer = await loadPointer(h.store.partitions, key as never, day);
  const dir = (await h.lake.open(pointer!.location!)).dir;
  const db = await openDuckDb({ threads: 1 });
  try {
    return {
      dir,
      pointer: pointer!,
      rows: await db.all(
        `SELECT * FROM read_parquet('${dir}/${DATA_FILE}') ORDER BY order_id`,
      ),
    };
  } finally {
    db.close();
  }
}

Deno.test("the scores are the champion's, every order of the day, and go stale when it moves", async () => {
  const clock = new FakeClock(NOW);
  const { h, model, scores } = await openScores(clock);
  try {
    // One run trains the model for DAY5, which promotes itself, then scores every day after.
    const first = await h.run({ partitions: `${DAY4}..${DAY5}` });
    assert.equal(first.run?.status, "succeeded", JSON.stringify(first.run?.steps));
    const champion = (await h.store.aliases.current(model.key, CHAMPION))!;
    assert.equal(champion.partition, DAY5);
    const version = champion.materializationId.slice(0, 8);
    const scored = await scoresOf(h, scores.key, DAY5);
    assert.equal(scored.rows.length, 1500);
    assert.deepEqual(Object.keys(scored.rows[0]), [...SCORE_COLUMNS]);
    const modelDir = (await h.lake.open(champion.location)).dir;
    const tree = JSON.parse(await Deno.readTextFile(`${modelDir}/model.json`)) as TreeModel;
    for (const row of scored.rows) {
      assert.equal(row.model_version, version);
      assert.equal(row.event_date, DAY5);
      const p = row.fraud_probability as number;
      assert.ok(p >= 0 && p <= 1);
      assert.equal(row.is_fraud, p >= tree.threshold);
      // When the run scored them, by its clock.
      assert.deepEqual(row.scored_at, scored.rows[0].scored_at);
    }
    assert.ok((scored.rows[0].scored_at as Date).getTime() >= NOW.getTime());
    // The rules' score is the alert's, 0 without one.
    assert.ok(scored.rows.some((r) => r.rules_score === 0));
    assert.ok(scored.rows.some((r) => (r.rules_score as number) > 0.5));
    const [lineage] = await h.store.partitions.listMaterializations(scores.key, DAY5, 1);
    assert.deepEqual(lineage.inputs.map((i) => `${i.assetKey}@${i.partition}`), [
      "gold.fraud_alerts@2026-03-05",
      "models.fraud_detector@@champion",
      "silver.orders_enriched@2026-03-05",
    ]);

    // A newer version becomes champion: every scored day is stale, and saying why.
    clock.advance(3_600_000);
    await h.run({ selection: model.key, partitions: DAY6 });
    assert.equal((await h.store.aliases.current(model.key, CHAMPION))?.partition, DAY6);
    const stale = await h.status(scores.key, DAY5);
    assert.equal(stale.status, "stale");
    assert.equal(describeStatus(stale), "alias champion of models.fraud_detector moved");
    await h.run({ selection: scores.key, partitions: DAY5 });
    const rescored = await scoresOf(h, scores.key, DAY5);
    const newVersion = (await h.store.aliases.current(model.key, CHAMPION))!
      .materializationId.slice(0, 8);
    assert.notEqual(newVersion, version);
    assert.ok(rescored.rows.every((r) => r.model_version === newVersion));
    assert.equal((await h.status(scores.key, DAY5)).status, "fresh");
  } finally {
    await h.close();
  }
});

Deno.test("the drift check warns on a day whose amounts moved, naming the feature", async () => {
  const { h, scores } = await openScores();
  try {
    const outcome = await h.run({ partitions: `${DAY5}..${DAY6}` });
    assert.equal(outcome.run?.status, "succeeded", JSON.stringify(outcome.run?.steps));
    const checks = await h.store.checks.latestCheckResults(scores.key);
    const calm = checks.get(DAY5)!.find((c) => c.name === "feature_drift")!;
    assert.equal(calm.passed, true, calm.message);
    assert.match(calm.message, /^every feature's PSI <= 0\.2 \(highest \w+ 0\.\d{3}\)$/);
    const drifted = checks.get(DAY6)!.find((c) => c.name === "feature_drift")!;
    assert.equal(drifted.severity, "warn");
    assert.equal(drifted.passed, false);
    assert.match(drifted.message, /^1 feature drifted \(PSI > 0\.2\): amount_usd \d+\.\d{3}$/);
  } finally {
    await h.close();
  }
});

Deno.test("the scores' warehouse table exists before any champion and takes what publishing writes", async () => {
  const { h, scores } = await openScores();
  const db = await openDuckDb({ threads: 1 });
  try {
    await h.store.migrateSchema(SCORES_WAREHOUSE_MIGRATIONS);
    const [empty] = await h.store.database.query<{ n: number }>(
      "select count(*)::int as n from gold.order_risk_scores",
    );
    assert.equal(empty.n, 0);
    await h.run({ partitions: DAY5 });
    const { dir } = await scoresOf(h, scores.key, DAY5);
    const work = await Deno.makeTempDir();
    // Publishing checks the table's columns against the file's: a mismatch would throw.
    const publish = await publishPartition({
      duckdb: db,
      warehouse: h.store.database,
      table: '"gold"."order_risk_scores"',
      schema: "gold",
      parquetFiles: [`${dir}/${DATA_FILE}`],
      partition: DAY5,
      workDir: work,
      keyColumns: ["order_id"],
    });
    await h.store.database.transaction((tx) => publish.inCommit!(tx));
    const [loaded] = await h.store.database.query<{ n: number }>(
      "select count(*)::int as n from gold.order_risk_scores where _partition = '2026-03-05'",
    );
    assert.equal(loaded.n, 1500);
    await Deno.remove(work, { recursive: true });
  } finally {
    db.close();
    await h.close();
  }
});
