// The warehouse: each gold table, and the silver tables the marts need at order grain, published
// partition by partition into Postgres (schemas gold and silver of the metadata database).
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";
import { type AnyAsset, type AssetDefinition, defineAsset } from "../runtime/definitions/asset.ts";
import type { AssetKey } from "../runtime/definitions/asset_key.ts";
import { inputFiles } from "../runtime/definitions/context.ts";
import { SluiceError } from "../runtime/errors.ts";
import { hashParts } from "../runtime/definitions/version.ts";
import { openDuckDb } from "../resources/duckdb/duckdb.ts";
import { DATA_FILE } from "../resources/duckdb/duckdb_sql_engine.ts";
import { relationOf, schemaOf } from "../resources/postgres/postgres_sql_engine.ts";
import { publishPartition } from "../resources/warehouse/publish_partition.ts";
import type {} from "./resources.ts";

/** What is published, with the natural key each warehouse table is indexed on. */
export const PUBLISHED: Readonly<Record<string, readonly string[]>> = {
  "gold.revenue_daily": [
    "event_date",
    "shipping_country",
    "currency",
    "payment_method",
    "amount_tier",
  ],
  "gold.fraud_summary": ["event_date", "shipping_country", "payment_method", "amount_tier"],
  "gold.user_fraud_scores": ["user_id"],
  "gold.fraud_alerts": ["order_id"],
  "gold.order_risk_scores": ["order_id"],
  "silver.orders_enriched": ["order_id"],
  "silver.payments": ["payment_id"],
};

const PUBLISH_FILES = [
  "../resources/warehouse/publish_partition.ts",
  "../resources/warehouse/warehouse_types.ts",
];
const PUBLISH_CODE = PUBLISH_FILES.map((file) =>
  Deno.readTextFileSync(fileURLToPath(new URL(file, import.meta.url)))
);

/** `gold.revenue_daily` → `warehouse.gold.revenue_daily`. */
export function publisherKey(key: AssetKey): AssetKey {
  return `warehouse.${key}` as AssetKey;
}

/** One publishing asset per published upstream found in `assets`, same partitions, same day. */
export function warehouseAssets(assets: readonly AnyAsset[]): AssetDefinition[] {
  return assets.filter((asset) => asset.key in PUBLISHED).map((upstream) => {
    const keyColumns = PUBLISHED[upstream.key];
    const table = relationOf(upstream.key);
    return defineAsset({
      key: publisherKey(upstream.key),
      group: "warehouse",
      description: `${upstream.key} in the Postgres warehouse as table ${upstream.key}; ` +
        `a partition is replaced in one transaction with its pointer.`,
      partitions: upstream.partitions,
      deps: [upstream],
      codeVersion: hashParts([...PUBLISH_CODE, ...keyColumns]),
      retry: { maxAttempts: 2 },
      async materialize(ctx) {
        const files = inputFiles(ctx.input(upstream), DATA_FILE).filter((file) => existsSync(file));
        const shared = ctx.resources.duckdb;
        const duckdb = shared ?? await openDuckDb();
        try {
          if (!ctx.resources.warehouse) {
            throw new SluiceError(`Cannot publish ${upstream.key}: no warehouse resource is open`);
          }
          return await publishPartition({
            duckdb,
            warehouse: ctx.resources.warehouse,
            table,
            schema: schemaOf(upstream.key),
            parquetFiles: files,
            partition: ctx.partition,
            workDir: ctx.output.dir,
            keyColumns,
          });
        } finally {
          if (shared === undefined) duckdb.close();
        }
      },
    });
  });
}
