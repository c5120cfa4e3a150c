// The six topics and the schema of each: the registry that the generator writes against
// and that bronze validation reads from.
import type { z } from "zod";
import { type DeviceEvent, DeviceEventSchema } from "./devices.ts";
import { type GeoEvent, GeoEventSchema } from "./geo_events.ts";
import { type OrderEvent, OrderEventSchema } from "./orders.ts";
import { type PaymentEvent, PaymentEventSchema } from "./payments.ts";
import { type RefundEvent, RefundEventSchema } from "./refunds.ts";
import { type UserEvent, UserEventSchema } from "./users.ts";

/** Topic names, in the order summaries and layouts list them. */
export const TOPICS = ["orders", "payments", "users", "devices", "geo_events", "refunds"] as const;

export type Topic = typeof TOPICS[number];

/** The event type each topic carries. */
export interface EventsByTopic {
  orders: OrderEvent;
  payments: PaymentEvent;
  users: UserEvent;
  devices: DeviceEvent;
  geo_events: GeoEvent;
  refunds: RefundEvent;
}

export type EventOf<T extends Topic> = EventsByTopic[T];

export type AnyEvent = EventsByTopic[Topic];

export const EVENT_SCHEMAS: { readonly [T in Topic]: z.ZodType<EventsByTopic[T]> } = {
  orders: OrderEventSchema,
  payments: PaymentEventSchema,
  users: UserEventSchema,
  devices: DeviceEventSchema,
  geo_events: GeoEventSchema,
  refunds: RefundEventSchema,
};

/** Every event of every topic is keyed by its user: the Kafka key, so a user's events stay in order. */
export const KEY_FIELD = "user_id" as const;

export function isTopic(value: string): value is Topic {
  return (TOPICS as readonly string[]).includes(value);
}
