// gold.order_risk_scores: every order of a day scored by the champion model through
// onnxruntime, in batches, beside the rules' score; the champion is read through its alias, so
// promoting or rolling back makes every day stale and rescored. A warn-level check watches
// feature drift between the model's training window and the scored day.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type AssetDefinition, defineAsset, dep } from "../runtime/definitions/asset.ts";
import type { AssetCheck } from "../runtime/definitions/check.ts";
import type { MigrationSet } from "../runtime/definitions/definitions.ts";
import { inputFiles, type UpstreamPartition } from "../runtime/definitions/context.ts";
import { SluiceError } from "../runtime/errors.ts";
import { hashParts } from "../runtime/definitions/version.ts";
import { aliased } from "../runtime/partitions/mapping.ts";
import { type DuckDb, openDuckDb } from "../resources/duckdb/duckdb.ts";
import { DATA_FILE } from "../resources/duckdb/duckdb_sql_engine.ts";
import {
  type FeatureDrift,
  type FeatureProfile,
  populationStability,
  PSI_ALERT,
} from "../models/feature_drift.ts";
import { parquetList, readFeatureRows } from "../models/feature_rows.ts";
import { CHAMPION, versionLabel } from "../models/model_versions.ts";
import { scoreWithOnnx } from "../models/onnx_batch_scorer.ts";
import type { TreeModel } from "../models/tree_model.ts";
import { MODEL_FILES } from "./fraud_detector.ts";
import type {} from "./resources.ts";

export const ORDER_RISK_SCORES_KEY = "gold.order_risk_scores";

/**
 * The scores' warehouse table, created before any model is champion so marts.fact_orders can
 * left-join it from the start (sql/warehouse_gold/).
 */
export const SCORES_WAREHOUSE_MIGRATIONS: MigrationSet = {
  schema: "gold",
  dir: new URL("../sql/warehouse_gold/", import.meta.url),
};

const SOURCE_FILES = [
  "./order_risk_scores.ts",
  "../models/feature_rows.ts",
  "../models/feature_drift.ts",
  "../models/onnx_batch_scorer.ts",
];

/** The scores table's columns, as published to the warehouse. */
export const SCORE_COLUMNS = [
  "order_id",
  "event_date",
  "fraud_probability",
  "is_fraud",
  "model_version",
  "rules_score",
  "scored_at",
] as const;

/**
 * Features the calendar sets, not the population: one scored day holds one weekday, so against
 * a month of training days they always "drift". Drift leaves them out.
 */
export const CALENDAR_FEATURES: ReadonlySet<string> = new Set([
  "hour_of_day",
  "day_of_week",
  "is_weekend",
]);

/** The scores asset over silver.orders_enriched, gold.fraud_alerts and the model's champion. */
export function orderRiskScoresAsset(
  silver: AssetDefinition,
  alerts: AssetDefinition,
  model: AssetDefinition,
): AssetDefinition {
  return defineAsset({
    key: ORDER_RISK_SCORES_KEY,
    group: "gold",
    tags: ["fraud", "ml"],
    description: "Every order of the day scored by the champion of models.fraud_detector " +
      "(fraud_probability, its decision at the model's threshold) beside the rules' score.",
    partitions: silver.partitions,
    deps: [silver, alerts, dep(model, aliased(CHAMPION))],
    checks: [featureDriftCheck()],
    codeVersion: hashParts(
      SOURCE_FILES.map((file) =>
        Deno.readTextFileSync(fileURLToPath(new URL(file, import.meta.url)))
      ),
    ),
    async materialize(ctx) {
      const [champion] = ctx.input(model);
      if (champion === undefined) {
        throw new SluiceError(
          `Cannot score ${ctx.partition}: ${model.key} has no champion yet; ` +
            "`deno task models` shows why no version passed its gates",
        );
      }
      const files = await championFiles(champion);
      const silverFiles = dataFiles(ctx.input(silver));
      const alertFiles = dataFiles(ctx.input(alerts));
      const shared = ctx.resources.duckdb;
      const db = shared ?? await openDuckDb({ threads: 1 });
      try {
        const rows = await readFeatureRows(db, silverFiles);
        const probabilities = await scoreWithOnnx(
          files.onnx,
          files.model.featureNames.length,
          rows.data.features,
          rows.data.rows,
        );
        const version = versionLabel(champion.materializationId ?? champion.dataVersion);
        let flagged = 0;
        const lines = ["order_id,fraud_probability"];
        for (let r = 0; r < rows.data.rows; r++) {
          if (probabilities[r] >= files.model.threshold) flagged++;
          // Nine significant digits hold a float32 exactly.
          lines.push(`${rows.orderIds[r]},${probabilities[r].toPrecision(9)}`);
        }
        const csv = `${ctx.output.dir}/scores.csv`;
        await Deno.writeTextFile(csv, lines.join("\n") + "\n");
        const written = await writeScores(db, {
          csv,
          silverFiles,
          alertFiles,
          out: `${ctx.output.dir}/${DATA_FILE}`,
          threshold: files.model.threshold,
          version,
          scoredAt: ctx.now(),
        });
        await Deno.remove(csv);
        const drift = populationStability(files.profile, rows.data)
          .filter((d) => !CALENDAR_FEATURES.has(d.feature));
        ctx.log.info(
          `scored ${written} orders with champion ${version}: ${flagged} at or above ${
            files.model.threshold.toFixed(4)
          }`,
        );
        return {
          rows: written,
          metadata: {
            model_version: version,
            champion_partition: champion.partition,
            threshold: files.model.threshold,
            flagged,
            drift: Object.fromEntries(drift.map((d) => [d.feature, round(d.psi)])),
          },
        };
      } finally {
        if (shared === undefined) db.close();
      }
    },
  });
}

interface ChampionFiles {
  readonly model: TreeModel;
  readonly onnx: Uint8Array;
  readonly profile: readonly FeatureProfile[];
}

async function championFiles(champion: UpstreamPartition): Promise<ChampionFiles> {
  const dir = champion.parts[0]?.dir;
  const path = (name: string) => `${dir}/${name}`;
  if (dir === undefined || !existsSync(path(MODEL_FILES.model))) {
    throw new SluiceError(
      `Cannot score with champion ${champion.partition}: its version holds no ${MODEL_FILES.model}; ` +
        "promote a trained version (`deno task models`)",
    );
  }
  return {
    model: JSON.parse(await Deno.readTextFile(path(MODEL_FILES.model))),
    onnx: await Deno.readFile(path(MODEL_FILES.onnx)),
    profile: JSON.parse(await Deno.readTextFile(path(MODEL_FILES.profile))),
  };
}

function dataFiles(inputs: readonly UpstreamPartition[]): string[] {
  return inputFiles(inputs, DATA_FILE).filter((file) => existsSync(file));
}

interface ScoresFile {
  readonly csv: string;
  readonly silverFiles: readonly string[];
  readonly alertFiles: readonly string[];
  readonly out: string;
  readonly threshold: number;
  readonly version: string;
  readonly scoredAt: Date;
}

/** Joins the probabilities to the day's orders and the rules' scores into the Parquet file. */
function writeScores(db: DuckDb, file: ScoresFile): Promise<number> {
  const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;
  const alerts = file.alertFiles.length === 0
    ? "(SELECT NULL::VARCHAR AS order_id, NULL::DOUBLE AS score WHERE false)"
    : parquetList(file.alertFiles);
  return db.copyToParquet(
    `SELECT o.order_id, o.event_date,
            s.fraud_probability,
            s.fraud_probability >= ${file.threshold} AS is_fraud,
            ${quote(file.version)} AS model_version,
            CAST(coalesce(a.score, 0) AS DOUBLE) AS rules_score,
            TIMESTAMPTZ ${quote(file.scoredAt.toISOString())} AS scored_at
     FROM ${parquetList(file.silverFiles)} o
     JOIN read_csv(${quote(file.csv)}, header = true,
                   columns = {'order_id': 'VARCHAR', 'fraud_probability': 'DOUBLE'}) s
       USING (order_id)
     LEFT JOIN ${alerts} a USING (order_id)
     ORDER BY o.order_id`,
    file.out,
  );
}

/** Warns when a feature's PSI between the training window and the scored day exceeds 0.2. */
function featureDriftCheck(): AssetCheck {
  return {
    name: "feature_drift",
    severity: "warn",
    description:
      `Population stability index of each feature, training window vs the scored day, at most ${PSI_ALERT}.`,
    run(ctx) {
      const drift = Object.entries((ctx.metadata.drift ?? {}) as Record<string, number>)
        .map(([feature, psi]): FeatureDrift => ({ feature, psi }));
      const drifted = drift.filter((d) => d.psi > PSI_ALERT).sort((a, b) => b.psi - a.psi);
      const worst = [...drift].sort((a, b) => b.psi - a.psi)[0];
      if (drifted.length === 0) {
        return Promise.resolve({
          passed: true,
          message: worst === undefined
            ? "no features scored"
            : `every feature's PSI <= ${PSI_ALERT} (highest ${worst.feature} ${
              worst.psi.toFixed(3)
            })`,
        });
      }
      return Promise.resolve({
        passed: false,
        message: `${drifted.length} feature${
          drifted.length === 1 ? "" : "s"
        } drifted (PSI > ${PSI_ALERT}): ${
          drifted.map((d) => `${d.feature} ${d.psi.toFixed(3)}`).join(", ")
        }`,
        failingRows: drifted,
        failingCount: drifted.length,
      });
    },
  };
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
