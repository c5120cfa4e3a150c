// Contract of the `refunds` topic: a refund requested against an earlier order.
import { z } from "zod";
import { amountField, currencyField, idField, utcTimestamp } from "./common.ts";

export const REFUND_REASONS = [
  "item_not_received",
  "damaged",
  "not_as_described",
  "changed_mind",
  "duplicate_charge",
] as const;

export type RefundReason = typeof REFUND_REASONS[number];

export const REFUND_STATUSES = ["REQUESTED", "APPROVED", "REJECTED"] as const;

export type RefundStatus = typeof REFUND_STATUSES[number];

export const RefundEventSchema = z.object({
  event_id: idField(),
  event_time: utcTimestamp(),
  refund_id: idField(),
  order_id: idField(),
  user_id: idField(),
  amount: amountField(),
  currency: currencyField(),
  reason: z.enum(REFUND_REASONS),
  status: z.enum(REFUND_STATUSES),
});

export type RefundEvent = z.infer<typeof RefundEventSchema>;
