// The feature contract: the 25 model features, the label and the other columns of
// silver.orders_enriched, defined once and shared by silver, training and serving.
import { z } from "zod";

/** A column of silver.orders_enriched: its DuckDB type, its zod schema and what it means. */
export interface ColumnSpec {
  readonly name: string;
  /** The DuckDB type as `DESCRIBE` prints it, e.g. `INTEGER`, `DECIMAL(18,2)`. */
  readonly sqlType: string;
  readonly schema: z.ZodType;
  readonly description: string;
}

const count = (name: string, description: string): ColumnSpec => ({
  name,
  sqlType: "INTEGER",
  schema: z.int().min(0),
  description,
});

// A code or calendar field: an integer that only takes the values from `min` to `max`.
const code = (name: string, description: string, min: number, max: number): ColumnSpec => ({
  name,
  sqlType: "INTEGER",
  schema: z.int().min(min).max(max),
  description,
});

// Flags are 0/1 integers, not booleans: models and ONNX tensors take numbers.
const flag = (name: string, description: string): ColumnSpec => ({
  name,
  sqlType: "INTEGER",
  schema: z.union([z.literal(0), z.literal(1)]),
  description,
});

const measure = (name: string, description: string, min = 0): ColumnSpec => ({
  name,
  sqlType: "DOUBLE",
  schema: z.number().min(min),
  description,
});

// A score from 0 to 1, such as a provider's or a country's risk.
const score = (name: string, description: string): ColumnSpec => ({
  name,
  sqlType: "DOUBLE",
  schema: z.number().min(0).max(1),
  description,
});

const text = (name: string, description: string, nullable = false): ColumnSpec => ({
  name,
  sqlType: "VARCHAR",
  schema: nullable ? z.string().nullable() : z.string(),
  description,
});

/**
 * The 25 features, in the order models see them. Every value is computed from events strictly
 * before the order's timestamp (or from the order itself), never from later ones.
 */
export const FEATURES: readonly ColumnSpec[] = [
  count("velocity_1h", "Orders the user placed in the hour before this one."),
  count("velocity_24h", "Orders the user placed in the 24 hours before this one."),
  count("velocity_7d", "Orders the user placed in the 7 days before this one."),
  measure("amount_usd", "Order amount converted to USD at the fixed rates of seeds.fx_rates."),
  measure(
    "amount_vs_user_avg",
    "amount_usd over the user's average order in the prior 30 days; 1 without history.",
  ),
  measure(
    "amount_vs_user_p95",
    "amount_usd over the user's 95th-percentile order in the prior 30 days; 1 without history.",
  ),
  measure("account_age_days", "Days from account creation to the order; 0 when unknown."),
  count("chargeback_count", "Chargebacks on the user's payments in the prior 30 days."),
  measure("chargeback_rate", "chargeback_count over the user's orders in the prior 30 days."),
  count("refund_count_30d", "Refunds the user requested in the prior 30 days."),
  count(
    "fraud_refund_count",
    "Prior-30-day refunds claiming the item never arrived or was not as described.",
  ),
  flag("vpn_detected", "The session's IP was a VPN exit."),
  flag("proxy_detected", "The session's IP was an open proxy."),
  flag("tor_detected", "The session's IP was a TOR exit node."),
  flag("bot_detected", "The device was flagged as a bot or emulator, or scored 0.8 or more."),
  count("device_count_30d", "Distinct devices the user was seen on in the prior 30 days."),
  flag("geo_mismatch", "Billing country differs from the shipping country or the IP country."),
  flag("is_high_risk_country", "Shipping or IP country is on the high-risk list."),
  score("country_risk_score", "Highest risk score of the billing, shipping and IP countries."),
  score("payment_risk_score", "The payment provider's risk score for the first attempt."),
  flag("is_3ds_authenticated", "The payment passed 3-D Secure."),
  code("risk_tier_encoded", "0 low, 1 medium, 2 high: max(payment, country risk) bucketed.", 0, 2),
  code("hour_of_day", "UTC hour of the order, 0-23.", 0, 23),
  code("day_of_week", "ISO day of week of the order, 1 (Monday) to 7 (Sunday).", 1, 7),
  flag("is_weekend", "The order was placed on a Saturday or Sunday (UTC)."),
];

/** Feature names in model input order: training, ONNX export and serving all use this. */
export const FEATURE_NAMES: readonly string[] = FEATURES.map((feature) => feature.name);

/** Ground truth from the generator: for training and evaluation, never a model input. */
export const LABEL: readonly ColumnSpec[] = [
  { name: "is_fraud", sqlType: "BOOLEAN", schema: z.boolean(), description: "Fraud label." },
  text("fraud_pattern", "The injected pattern of a fraudulent order; null otherwise.", true),
];

/** Identity and context of an order, and its outcome as of the end of the order's day. */
export const ORDER_COLUMNS: readonly ColumnSpec[] = [
  text("order_id", "Order id; unique in the table."),
  { name: "event_date", sqlType: "DATE", schema: z.string(), description: "UTC day of order." },
  {
    name: "order_ts",
    sqlType: "TIMESTAMP WITH TIME ZONE",
    schema: z.date(),
    description: "When the order was placed.",
  },
  text("user_id", "The ordering account."),
  text("session_id", "The session the order was placed in."),
  text("device_id", "The device the order was placed on."),
  text("ip_address", "The order's IP address."),
  {
    name: "amount",
    sqlType: "DECIMAL(18,2)",
    schema: z.number().min(0),
    description: "Order amount in its currency.",
  },
  text("currency", "ISO 4217 currency of amount."),
  text(
    "amount_tier",
    "Order size on amount_usd: micro < 25, small < 100, medium < 500, large < 2,000, else xlarge.",
  ),
  text("payment_method", "How the shopper paid."),
  text("merchant_category", "What was bought."),
  text("channel", "web, ios_app or android_app."),
  text("billing_country", "ISO country of the billing address."),
  text("shipping_country", "ISO country of the shipping address."),
  text("ip_country", "Country of the session's IP, when a geo event was seen.", true),
  text("email_domain", "The account's e-mail domain as of the order.", true),
  text("card_bin", "First six card digits, for card payments.", true),
  text("payment_status", "Latest payment status by the end of the day; null if none.", true),
  {
    name: "refunded_amount",
    sqlType: "DECIMAL(18,2)",
    schema: z.number().min(0),
    description: "Refunds (not rejected) requested for the order by the end of the day.",
  },
  count("refund_count", "Refunds (not rejected) requested for the order by the end of the day."),
  count("prior_orders_30d", "The user's orders in the 30 days before this one."),
  {
    name: "travel_speed_kmh",
    sqlType: "DOUBLE",
    schema: z.number().min(0).nullable(),
    description: "Speed implied by the user's previous geo event and the session's; null if none.",
  },
  {
    name: "travel_distance_km",
    sqlType: "DOUBLE",
    schema: z.number().min(0).nullable(),
    description: "Haversine distance between those two geo events.",
  },
];

/** Every column of silver.orders_enriched, in table order. */
export const ORDERS_ENRICHED_COLUMNS: readonly ColumnSpec[] = [
  ...ORDER_COLUMNS,
  ...FEATURES,
  ...LABEL,
];

/** One feature vector, as serving receives it. */
export const FeatureVectorSchema = z.strictObject(
  Object.fromEntries(FEATURES.map((feature) => [feature.name, feature.schema])),
);

/** One row of silver.orders_enriched, as training reads it. */
export const OrderEnrichedRowSchema = z.strictObject(
  Object.fromEntries(ORDERS_ENRICHED_COLUMNS.map((column) => [column.name, column.schema])),
);

/** `name TYPE, ...` of silver.orders_enriched, for an empty relation of the same shape. */
export function ordersEnrichedDdl(): string {
  return ORDERS_ENRICHED_COLUMNS.map((column) => `${column.name} ${column.sqlType}`).join(", ");
}
