// Contract of the `orders` topic: one event per order placed at checkout, carrying the
// generator's ground-truth fraud label next to (never among) the order's features.
import { z } from "zod";
import { amountField, countryField, currencyField, idField, utcTimestamp } from "./common.ts";

export const PAYMENT_METHODS = [
  "credit_card",
  "debit_card",
  "paypal",
  "apple_pay",
  "google_pay",
  "bank_transfer",
  "buy_now_pay_later",
] as const;

export type PaymentMethod = typeof PAYMENT_METHODS[number];

export const CHANNELS = ["web", "ios_app", "android_app"] as const;

export type Channel = typeof CHANNELS[number];

export const MERCHANT_CATEGORIES = [
  "electronics",
  "fashion",
  "home",
  "beauty",
  "grocery",
  "sports",
  "toys",
  "books",
  "digital_goods",
  "gift_cards",
  "jewelry",
  "travel",
] as const;

export type MerchantCategory = typeof MERCHANT_CATEGORIES[number];

/** The injected fraud patterns; `fraud_pattern` names one of them on fraudulent orders. */
export const FRAUD_PATTERNS = [
  "velocity_burst",
  "account_takeover",
  "anonymized_network",
  "billing_shipping_mismatch",
  "amount_spike",
  "new_account",
  "refund_abuse",
  "impossible_travel",
] as const;

export type FraudPattern = typeof FRAUD_PATTERNS[number];

export const OrderItemSchema = z.object({
  sku: idField(),
  quantity: z.int().min(1),
  unit_price: amountField(),
});

export const OrderEventSchema = z.object({
  event_id: idField(),
  event_time: utcTimestamp(),
  order_id: idField(),
  user_id: idField(),
  session_id: idField(),
  device_id: idField(),
  ip_address: z.string().min(1),
  amount: amountField(),
  currency: currencyField(),
  payment_method: z.enum(PAYMENT_METHODS),
  billing_country: countryField(),
  shipping_country: countryField(),
  merchant_category: z.enum(MERCHANT_CATEGORIES),
  channel: z.enum(CHANNELS),
  item_count: z.int().min(1),
  items: z.array(OrderItemSchema).min(1),
  is_fraud: z.boolean().describe(
    "LABEL, not a feature: ground truth injected by the generator. Train and evaluate on it; " +
      "never feed it (or anything derived from it) to a model, a rule or a gold metric input.",
  ),
  fraud_pattern: z.enum(FRAUD_PATTERNS).nullable().describe(
    "LABEL, not a feature: which injected pattern made this order fraudulent, null when legitimate.",
  ),
});

export type OrderEvent = z.infer<typeof OrderEventSchema>;
export type OrderItem = z.infer<typeof OrderItemSchema>;
