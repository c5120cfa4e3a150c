// Staging: each bronze topic's day parsed once into the typed fields silver reads (the struct
// `j`), so 31-day history windows read columns instead of re-parsing JSON. One SQL template
// serves the six topics; each field's type comes from the topic's event contract, so staging
// can only read fields that bronze validated.
import type { z } from "zod";
import type { AssetDefinition } from "../runtime/definitions/asset.ts";
import { DefinitionError } from "../runtime/errors.ts";
import { sqlAsset } from "../runtime/sql/sql_asset.ts";
import type { SqlEngine } from "../runtime/sql/sql_engine.ts";
import { EVENT_SCHEMAS, type Topic } from "../contracts/events/topics.ts";
import { EVENT_DAYS_START } from "./partitions.ts";

/** The fields silver reads from each topic; bronze keeps the full payload byte for byte. */
export const STAGED_FIELDS: { readonly [T in Topic]: readonly string[] } = {
  devices: [
    "event_id",
    "event_time",
    "bot_score",
    "device_id",
    "is_bot",
    "is_emulator",
    "session_id",
    "user_id",
  ],
  geo_events: [
    "event_id",
    "event_time",
    "ip_country",
    "is_proxy",
    "is_tor",
    "is_vpn",
    "latitude",
    "longitude",
    "session_id",
    "user_id",
  ],
  orders: [
    "event_time",
    "amount",
    "billing_country",
    "channel",
    "currency",
    "device_id",
    "fraud_pattern",
    "ip_address",
    "is_fraud",
    "merchant_category",
    "order_id",
    "payment_method",
    "session_id",
    "shipping_country",
    "user_id",
  ],
  payments: [
    "event_id",
    "event_time",
    "card_bin",
    "payment_id",
    "is_3ds_authenticated",
    "order_id",
    "provider_risk_score",
    "status",
    "user_id",
  ],
  refunds: ["event_id", "event_time", "amount", "order_id", "reason", "status", "user_id"],
  users: [
    "event_id",
    "event_time",
    "account_created_at",
    "email_domain",
    "event_type",
    "home_country",
    "kyc_status",
    "phone_verified",
    "user_id",
  ],
};

/** `staging.<topic>` for every topic, as SQL assets the DuckDB engine runs. */
export function stagingAssets(engine: SqlEngine): AssetDefinition[] {
  const topics = (Object.keys(STAGED_FIELDS) as Topic[]).sort();
  return topics.map((topic) =>
    sqlAsset(`assets/staging.ts (${topic})`, `staging/${topic}.sql`, stagingSql(topic), {
      engines: { [engine.name]: engine },
      defaultEngine: engine.name,
    })
  );
}

/** The SQL of `staging.<topic>`, header included, as `assets --sql` shows it. */
export function stagingSql(topic: Topic): string {
  const struct = STAGED_FIELDS[topic].map((field) => `"${field}": "${duckTypeOf(topic, field)}"`);
  return `/*
key: staging.${topic}
group: staging
description: bronze.${topic} parsed once per day into typed fields (the struct j), so history windows downstream read columns instead of re-parsing JSON.
partitions: { daily: { start: "${EVENT_DAYS_START}" } }
*/
SELECT
  _topic,
  _partition,
  _offset,
  json_transform(payload, '{ ${struct.join(", ")} }') AS j
FROM {{ ref('bronze.${topic}') }}
ORDER BY _partition, _offset
`;
}

/** The DuckDB type a contract field parses to; timestamps stay text and are cast where used. */
function duckTypeOf(topic: Topic, field: string): string {
  const shape = (EVENT_SCHEMAS[topic] as unknown as z.ZodObject).shape;
  let schema = shape[field] as z.ZodType | undefined;
  if (schema === undefined) {
    throw new DefinitionError(
      `Cannot stage '${field}' of ${topic}: the ${topic} contract has no such field`,
    );
  }
  while (["optional", "nullable", "default"].includes(schema.def.type)) {
    schema = (schema.def as unknown as { innerType: z.ZodType }).innerType;
  }
  const type = { string: "VARCHAR", enum: "VARCHAR", number: "DOUBLE", boolean: "BOOLEAN" }[
    schema.def.type as string
  ];
  if (type === undefined) {
    throw new DefinitionError(
      `Cannot stage '${field}' of ${topic}: its contract type '${schema.def.type}' has no ` +
        `scalar DuckDB type; read it from the payload in SQL instead`,
    );
  }
  return type;
}
