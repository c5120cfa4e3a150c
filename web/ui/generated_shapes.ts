// Asset definitions for the generated UI data: the medallion pipeline's own assets (for tests
// and demos that look like Sluice) or a seeded graph of any size in the same lanes (for scale).
import type { AssetKind, ColumnView } from "./ui_data.ts";

/** How a downstream partition reads an upstream's partitions. */
export type ReadMapping = "identity" | "window";

export interface GeneratedAssetDef {
  readonly key: string;
  readonly group: string;
  readonly kind: AssetKind;
  readonly tags: readonly string[];
  readonly upstreams: readonly string[];
  readonly mapping: ReadMapping;
  readonly partitioning: "daily" | "hourly" | "none";
  readonly description: string;
  readonly columns: readonly ColumnView[];
}

export const TOPICS = ["orders", "payments", "users", "devices", "geo_events", "refunds"] as const;

/** The lanes of a generated graph, in flow order, with their share of the assets. */
export const GENERATED_LANES: readonly { readonly group: string; readonly share: number }[] = [
  { group: "landing", share: 0.08 },
  { group: "bronze", share: 0.14 },
  { group: "staging", share: 0.14 },
  { group: "silver", share: 0.16 },
  { group: "gold", share: 0.16 },
  { group: "warehouse", share: 0.12 },
  { group: "marts", share: 0.15 },
  { group: "models", share: 0.05 },
];

const NOUNS = [
  "orders",
  "payments",
  "users",
  "devices",
  "geo",
  "refunds",
  "sessions",
  "carts",
  "invoices",
  "ledger",
  "alerts",
  "scores",
];
const TAGS = ["pii", "finance", "fraud", "core", "tier=gold"];

/** A seeded pseudo-random generator (mulberry32): the same seed gives the same data. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function columnsFor(key: string): ColumnView[] {
  const noun = key.split(".").at(-1)!.replace(/_\d+$/, "");
  return [
    { name: `${noun.replace(/s$/, "")}_id`, type: "VARCHAR", description: "Natural key." },
    { name: "event_date", type: "DATE", description: "The day partition." },
    { name: "amount", type: "DECIMAL(12,2)" },
    { name: "country", type: "VARCHAR" },
    { name: "_ingested_at", type: "TIMESTAMPTZ" },
  ];
}

function def(
  key: string,
  group: string,
  kind: AssetKind,
  upstreams: readonly string[],
  extra: Partial<GeneratedAssetDef> = {},
): GeneratedAssetDef {
  return {
    key,
    group,
    kind,
    tags: [],
    upstreams,
    mapping: "identity",
    partitioning: "daily",
    description: `${key.split(".").at(-1)!.replaceAll("_", " ")} in the ${group} layer.`,
    columns: columnsFor(key),
    ...extra,
  };
}

/** The medallion pipeline's assets as the README lists them (sources to marts and the model). */
export function pipelineShape(): GeneratedAssetDef[] {
  const defs: GeneratedAssetDef[] = [];
  for (const topic of TOPICS) {
    defs.push(def(`landing.${topic}`, "landing", "source", [], {
      description: `Landed NDJSON batches of the ${topic} topic.`,
      tags: topic === "users" ? ["pii"] : [],
    }));
  }
  for (const topic of TOPICS) {
    defs.push(def(`bronze.${topic}`, "bronze", "ts", [`landing.${topic}`], {
      description: `Raw ${topic} events, one Parquet file per day.`,
      tags: topic === "users" ? ["pii"] : [],
    }));
  }
  defs.push(
    def("bronze.rejected_events", "bronze", "ts", TOPICS.map((t) => `landing.${t}`), {
      description: "Malformed or invalid events with the reason; never silently dropped.",
    }),
  );
  for (const seed of ["fx_rates", "country_risk", "blocklist"]) {
    defs.push(def(`seeds.${seed}`, "seeds", "sql", [], { partitioning: "none" }));
  }
  for (const topic of TOPICS) {
    defs.push(def(`staging.${topic}`, "staging", "sql", [`bronze.${topic}`], {
      description: `Each bronze day of ${topic} parsed once into typed fields.`,
    }));
  }
  defs.push(
    def("silver.orders_enriched", "silver", "sql", [
      "staging.orders",
      "staging.payments",
      "staging.devices",
      "staging.geo_events",
      "staging.users",
      "seeds.country_risk",
      "seeds.fx_rates",
    ], { tags: ["fraud", "pii"], description: "Orders with the 25 model features and the label." }),
    def("silver.users", "silver", "sql", ["staging.users", "staging.orders", "staging.refunds"], {
      tags: ["pii"],
    }),
    def("silver.payments", "silver", "sql", ["staging.payments"], { tags: ["finance"] }),
    def("models.fraud_detector", "models", "ts", ["silver.orders_enriched"], {
      partitioning: "none",
      tags: ["fraud"],
      description: "Gradient-boosted trees on silver features, exported to ONNX.",
    }),
    def("gold.revenue_daily", "gold", "sql", ["silver.orders_enriched", "silver.payments"], {
      tags: ["finance"],
    }),
    def("gold.fraud_summary", "gold", "sql", ["silver.orders_enriched"], { tags: ["fraud"] }),
    def("gold.user_fraud_scores", "gold", "sql", ["silver.orders_enriched", "silver.users"], {
      tags: ["fraud", "pii"],
      mapping: "window",
      description: "30-day user risk.",
    }),
    def("gold.fraud_alerts", "gold", "sql", ["silver.orders_enriched", "seeds.blocklist"], {
      tags: ["fraud"],
    }),
    def("gold.order_risk_scores", "gold", "ts", [
      "silver.orders_enriched",
      "models.fraud_detector",
    ], { tags: ["fraud"], description: "Each day's orders scored by the champion model." }),
  );
  for (const table of ["revenue_daily", "fraud_summary", "user_fraud_scores", "fraud_alerts"]) {
    defs.push(def(`warehouse.gold.${table}`, "warehouse", "ts", [`gold.${table}`]));
  }
  for (const table of ["orders_enriched", "payments"]) {
    defs.push(def(`warehouse.silver.${table}`, "warehouse", "ts", [`silver.${table}`]));
  }
  defs.push(
    def("marts.fact_orders", "marts", "sql", [
      "warehouse.silver.orders_enriched",
      "warehouse.silver.payments",
    ]),
    def("marts.dim_users", "marts", "sql", ["warehouse.gold.user_fraud_scores"], {
      tags: ["pii"],
      partitioning: "none",
    }),
    def("marts.fact_fraud_events", "marts", "sql", [
      "warehouse.gold.fraud_alerts",
      "warehouse.silver.payments",
      "marts.dim_users",
      "marts.fact_orders",
    ], { tags: ["fraud"] }),
    def("marts.dim_dates", "marts", "sql", [], { partitioning: "none" }),
  );
  return defs;
}

/** A seeded graph of `count` assets in the generated lanes; each reads 1-3 earlier assets. */
export function generatedShape(count: number, seed: number): GeneratedAssetDef[] {
  const random = seededRandom(seed);
  const lanes: string[][] = [];
  const defs: GeneratedAssetDef[] = [];
  let made = 0;
  for (const [lane, { group, share }] of GENERATED_LANES.entries()) {
    const size = lane === GENERATED_LANES.length - 1
      ? Math.max(1, count - made)
      : Math.max(1, Math.round(count * share));
    const keys: string[] = [];
    for (let i = 0; i < size && made < count; i++, made++) {
      const key = `${group}.${NOUNS[i % NOUNS.length]}_${i}`;
      const upstreams = new Set<string>();
      if (lane > 0) {
        const previous = lanes[lane - 1];
        // Near the same relative position upstream, so the graph has local structure.
        const centre = Math.floor((i / size) * previous.length);
        const wanted = 1 + Math.floor(random() * 3);
        for (let k = 0; k < wanted; k++) {
          const at = centre + Math.floor((random() - 0.5) * 6);
          upstreams.add(previous[Math.min(previous.length - 1, Math.max(0, at))]);
        }
        if (lane > 1 && random() < 0.15) {
          const older = lanes[lane - 2];
          upstreams.add(older[Math.floor(random() * older.length)]);
        }
        if (i > 0 && random() < 0.08) upstreams.add(keys[Math.floor(random() * keys.length)]);
      }
      const tags = random() < 0.3 ? [TAGS[Math.floor(random() * TAGS.length)]] : [];
      keys.push(key);
      defs.push(def(
        key,
        group,
        group === "landing" ? "source" : group === "staging" || group === "marts" ? "sql" : "ts",
        [...upstreams],
        {
          tags,
          partitioning: group === "models" || (group === "marts" && i % 7 === 6) ? "none" : "daily",
          mapping: group === "gold" && i % 5 === 0 ? "window" : "identity",
        },
      ));
    }
    lanes.push(keys);
  }
  return defs;
}
