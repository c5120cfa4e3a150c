// Valid events with dull defaults for transform tests: a test states only the fields its
// feature depends on, and every event still passes its zod contract.
import type {
  DeviceEvent,
  GeoEvent,
  OrderEvent,
  PaymentEvent,
  RefundEvent,
  UserEvent,
} from "../../contracts/events/mod.ts";
import { EVENT_SCHEMAS } from "../../contracts/events/mod.ts";

let counter = 0;
const nextId = (prefix: string) => `${prefix}${String(++counter).padStart(6, "0")}`;

export function order(fields: Partial<OrderEvent> & { event_time: string }): OrderEvent {
  return EVENT_SCHEMAS.orders.parse({
    event_id: nextId("evt_o"),
    order_id: nextId("ord_"),
    user_id: "usr_1",
    session_id: "ses_1",
    device_id: "dev_1",
    ip_address: "10.0.0.1",
    amount: 50,
    currency: "USD",
    payment_method: "credit_card",
    billing_country: "US",
    shipping_country: "US",
    merchant_category: "books",
    channel: "web",
    item_count: 1,
    items: [{ sku: "SKU-1", quantity: 1, unit_price: fields.amount ?? 50 }],
    is_fraud: false,
    fraud_pattern: null,
    ...fields,
  });
}

export function payment(
  of: OrderEvent,
  fields: Partial<PaymentEvent> & { event_time: string },
): PaymentEvent {
  return EVENT_SCHEMAS.payments.parse({
    event_id: nextId("evt_p"),
    payment_id: `pay_${of.order_id}`,
    order_id: of.order_id,
    user_id: of.user_id,
    status: "SUCCEEDED",
    amount: of.amount,
    currency: of.currency,
    payment_method: of.payment_method,
    provider: "stripe",
    card_bin: "411111",
    card_country: "US",
    is_3ds_authenticated: true,
    provider_risk_score: 0.1,
    decline_reason: null,
    attempt: 1,
    ...fields,
  });
}

export function device(fields: Partial<DeviceEvent> & { event_time: string }): DeviceEvent {
  return EVENT_SCHEMAS.devices.parse({
    event_id: nextId("evt_d"),
    device_id: "dev_1",
    user_id: "usr_1",
    session_id: "ses_1",
    fingerprint: "fp",
    device_type: "desktop",
    os: "linux",
    browser: "firefox",
    is_new_device: false,
    is_emulator: false,
    is_bot: false,
    bot_score: 0.01,
    ...fields,
  });
}

export function geo(fields: Partial<GeoEvent> & { event_time: string }): GeoEvent {
  return EVENT_SCHEMAS.geo_events.parse({
    event_id: nextId("evt_g"),
    user_id: "usr_1",
    session_id: "ses_1",
    device_id: "dev_1",
    ip_address: "10.0.0.1",
    ip_country: "US",
    city: "New York",
    latitude: 40.71,
    longitude: -74.01,
    is_vpn: false,
    is_proxy: false,
    is_tor: false,
    ...fields,
  });
}

export function user(fields: Partial<UserEvent> & { event_time: string }): UserEvent {
  return EVENT_SCHEMAS.users.parse({
    event_id: nextId("evt_u"),
    event_type: "signup",
    user_id: "usr_1",
    account_created_at: fields.event_time,
    home_country: "US",
    email_domain: "example.com",
    kyc_status: "verified",
    phone_verified: true,
    ...fields,
  });
}

export function refund(
  of: OrderEvent,
  fields: Partial<RefundEvent> & { event_time: string },
): RefundEvent {
  return EVENT_SCHEMAS.refunds.parse({
    event_id: nextId("evt_r"),
    refund_id: nextId("ref_"),
    order_id: of.order_id,
    user_id: of.user_id,
    amount: of.amount,
    currency: of.currency,
    reason: "changed_mind",
    status: "REQUESTED",
    ...fields,
  });
}
