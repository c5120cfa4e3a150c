// Contract of the `payments` topic: every state a payment passes through is its own event
// with the same payment_id, so a PENDING payment settles through a later event.
import { z } from "zod";
import {
  amountField,
  countryField,
  currencyField,
  idField,
  unitScore,
  utcTimestamp,
} from "./common.ts";
import { PAYMENT_METHODS } from "./orders.ts";

/** PENDING is not final: a later event with the same payment_id carries the outcome. */
export const PAYMENT_STATUSES = [
  "PENDING",
  "SUCCEEDED",
  "DECLINED",
  "FAILED",
  "CHARGEBACK",
] as const;

export type PaymentStatus = typeof PAYMENT_STATUSES[number];

export const PAYMENT_PROVIDERS = ["stripe", "adyen", "paypal", "klarna", "bank"] as const;

export type PaymentProvider = typeof PAYMENT_PROVIDERS[number];

export const PaymentEventSchema = z.object({
  event_id: idField(),
  event_time: utcTimestamp(),
  payment_id: idField(),
  order_id: idField(),
  user_id: idField(),
  status: z.enum(PAYMENT_STATUSES),
  amount: amountField(),
  currency: currencyField(),
  payment_method: z.enum(PAYMENT_METHODS),
  provider: z.enum(PAYMENT_PROVIDERS),
  /** First six digits of the card; null for methods without a card. */
  card_bin: z.string().regex(/^\d{6}$/).nullable(),
  card_country: countryField().nullable(),
  is_3ds_authenticated: z.boolean(),
  provider_risk_score: unitScore(),
  decline_reason: z.string().nullable(),
  attempt: z.int().min(1),
});

export type PaymentEvent = z.infer<typeof PaymentEventSchema>;
