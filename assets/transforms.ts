// The DuckDB transforms of the medallion pipeline: seeds, silver and gold as SQL files under
// sql/, staging from one template (staging.ts), all run by the DuckDB engine, with the feature
// contract enforced on silver.orders_enriched.
import { fileURLToPath } from "node:url";
import { type AssetDefinition, defineAsset } from "../runtime/definitions/asset.ts";
import type { AssetKey } from "../runtime/definitions/asset_key.ts";
import type { AssetCheck } from "../runtime/definitions/check.ts";
import { loadSqlAssets } from "../runtime/sql/sql_asset.ts";
import { duckDbSqlEngine } from "../resources/duckdb/duckdb_sql_engine.ts";
import { postgresSqlEngine } from "../resources/postgres/postgres_sql_engine.ts";
import { stagingAssets } from "./staging.ts";
import { BRONZE_COLUMNS } from "../ingest/landing/day_ingest.ts";
import { featureContractCheck } from "../models/feature_contract_check.ts";
import { ordersEnrichedDdl } from "../models/features.ts";

/** The SQL folders, in dependency order (each only refs the ones before it, staging or bronze). */
export const TRANSFORM_SQL_DIRS = ["seeds", "silver", "gold"] as const;

const SQL_ROOT = fileURLToPath(new URL("../sql/", import.meta.url));

/** Bronze's columns, the same for every topic: the raw payload plus where it came from. */
export const BRONZE_DDL = BRONZE_COLUMNS;

/** Columns of the upstreams whose partitions may hold no file, for empty typed relations. */
export function transformSchemaOf(key: AssetKey): string | undefined {
  if (key.startsWith("bronze.")) return BRONZE_DDL;
  if (key === "silver.orders_enriched") return ordersEnrichedDdl();
  return undefined;
}

/** The checks that SQL headers cannot declare, by asset key. */
const CHECKS: Readonly<Record<string, readonly AssetCheck[]>> = {
  "silver.orders_enriched": [featureContractCheck()],
};

/** Every seed, staging, silver and gold asset, loaded from `sql/`. */
export async function loadTransforms(sqlRoot = SQL_ROOT): Promise<AssetDefinition[]> {
  const engine = duckDbSqlEngine({ schemaOf: transformSchemaOf });
  const assets: AssetDefinition[] = [];
  for (const dir of TRANSFORM_SQL_DIRS) {
    const loaded = await loadSqlAssets(`${sqlRoot}${dir}`, {
      engines: { duckdb: engine },
      defaultEngine: "duckdb",
    });
    assets.push(...loaded.map((asset) => withChecks(asset, CHECKS[asset.key] ?? [])));
    if (dir === "seeds") assets.push(...stagingAssets(engine));
  }
  return assets;
}

/**
 * The dbt-style marts of `sql/marts`, run by Postgres in the warehouse: `ref('gold.x')` reads
 * the published copy, so its edge goes to `warehouse.gold.x`.
 */
export function loadMarts(
  publishers: ReadonlyMap<AssetKey, AssetKey>,
  sqlRoot = SQL_ROOT,
): Promise<AssetDefinition[]> {
  return loadSqlAssets(`${sqlRoot}marts`, {
    engines: { postgres: postgresSqlEngine({ publishers }) },
    defaultEngine: "postgres",
  });
}

/** The same SQL asset with `checks` added; its code version stays the hash of its SQL. */
export function withChecks(asset: AssetDefinition, checks: readonly AssetCheck[]): AssetDefinition {
  if (checks.length === 0) return asset;
  return defineAsset({
    key: asset.key,
    group: asset.group,
    tags: asset.tags,
    description: asset.description,
    partitions: asset.partitions,
    refs: asset.deps.map((edge) => ({ key: edge.key, mapping: edge.mapping })),
    freshness: asset.freshness,
    retry: asset.retry,
    timeoutMs: asset.timeoutMs,
    checks: [...asset.checks, ...checks],
    sql: asset.sql,
    renderSql: asset.renderSql,
    materialize: (ctx) => asset.materialize(ctx),
  });
}
