import assert from "node:assert/strict";
import {
  type EventsByTopic,
  OrderEventSchema,
  type Topic,
  TOPICS,
  validateEvent,
} from "../../contracts/events/mod.ts";

const AT = "2026-01-05T18:30:00.000Z";

const GOOD: EventsByTopic = {
  orders: {
    event_id: "evt_1",
    event_time: AT,
    order_id: "ord_1",
    user_id: "usr_1",
    session_id: "ses_1",
    device_id: "dev_1",
    ip_address: "81.2.69.160",
    amount: 59.9,
    currency: "EUR",
    payment_method: "credit_card",
    billing_country: "DE",
    shipping_country: "DE",
    merchant_category: "fashion",
    channel: "web",
    item_count: 2,
    items: [{ sku: "SKU-1", quantity: 2, unit_price: 29.95 }],
    is_fraud: false,
    fraud_pattern: null,
  },
  payments: {
    event_id: "evt_2",
    event_time: AT,
    payment_id: "pay_1",
    order_id: "ord_1",
    user_id: "usr_1",
    status: "PENDING",
    amount: 59.9,
    currency: "EUR",
    payment_method: "credit_card",
    provider: "stripe",
    card_bin: "411111",
    card_country: "DE",
    is_3ds_authenticated: true,
    provider_risk_score: 0.12,
    decline_reason: null,
    attempt: 1,
  },
  users: {
    event_id: "evt_3",
    event_time: AT,
    event_type: "profile_snapshot",
    user_id: "usr_1",
    account_created_at: "2023-04-01T09:00:00.000Z",
    home_country: "DE",
    email_domain: "gmx.de",
    kyc_status: "verified",
    phone_verified: true,
  },
  devices: {
    event_id: "evt_4",
    event_time: AT,
    device_id: "dev_1",
    user_id: "usr_1",
    session_id: "ses_1",
    fingerprint: "9f86d081884c7d65",
    device_type: "mobile",
    os: "Android",
    browser: "Chrome",
    is_new_device: false,
    is_emulator: false,
    is_bot: false,
    bot_score: 0.02,
  },
  geo_events: {
    event_id: "evt_5",
    event_time: AT,
    user_id: "usr_1",
    session_id: "ses_1",
    device_id: "dev_1",
    ip_address: "81.2.69.160",
    ip_country: "DE",
    city: "Berlin",
    latitude: 52.52,
    longitude: 13.4,
    is_vpn: false,
    is_proxy: false,
    is_tor: false,
  },
  refunds: {
    event_id: "evt_6",
    event_time: AT,
    refund_id: "ref_1",
    order_id: "ord_1",
    user_id: "usr_1",
    amount: 29.95,
    currency: "EUR",
    reason: "damaged",
    status: "APPROVED",
  },
};

function raw(topic: Topic, change: (event: Record<string, unknown>) => void = () => {}): string {
  const event: Record<string, unknown> = structuredClone(GOOD[topic]);
  change(event);
  return JSON.stringify(event);
}

function rejection(topic: Topic, line: string): { kind: string; reason: string } {
  const result = validateEvent(topic, line);
  assert.equal(result.ok, false, `expected ${topic} line to be rejected: ${line}`);
  return result as { kind: string; reason: string };
}

Deno.test("every topic's schema accepts a well-formed event and returns it typed", () => {
  for (const topic of TOPICS) {
    const result = validateEvent(topic, raw(topic));
    assert.ok(result.ok, `${topic}: ${JSON.stringify(result)}`);
    assert.deepEqual(result.event, GOOD[topic]);
  }
});

Deno.test("validateEvent reports broken JSON with the parser's complaint", () => {
  const { kind, reason } = rejection("orders", raw("orders").slice(0, 40));
  assert.equal(kind, "broken_json");
  assert.match(reason, /^Broken JSON in orders event: /);
  assert.equal(rejection("users", "[1,2]").kind, "broken_json");
  assert.equal(rejection("users", "").kind, "broken_json");
});

Deno.test("validateEvent names a missing required field, enum fields included", () => {
  const missingUser = rejection("orders", raw("orders", (e) => delete e.user_id));
  assert.equal(missingUser.kind, "missing_field");
  assert.equal(missingUser.reason, "Missing required field 'user_id' in orders event");
  const missingStatus = rejection("payments", raw("payments", (e) => delete e.status));
  assert.equal(missingStatus.kind, "missing_field");
  assert.match(missingStatus.reason, /'status'/);
});

Deno.test("validateEvent names the field and both types on a wrong type", () => {
  const { kind, reason } = rejection("payments", raw("payments", (e) => e.amount = "59.90"));
  assert.equal(kind, "wrong_type");
  assert.match(reason, /field 'amount' in payments event: expected number, got string "59.90"/);
  const nested = rejection(
    "orders",
    raw("orders", (e) => e.items = [{ sku: "S", quantity: "2", unit_price: 1 }]),
  );
  assert.match(nested.reason, /'items\[0\]\.quantity'/);
});

Deno.test("validateEvent reports a negative amount with its field and value", () => {
  const { kind, reason } = rejection("refunds", raw("refunds", (e) => e.amount = -29.95));
  assert.equal(kind, "negative_amount");
  assert.match(reason, /field 'amount' of refunds event: -29\.95/);
});

Deno.test("validateEvent reports an unknown currency and lists the supported ones", () => {
  const { kind, reason } = rejection("orders", raw("orders", (e) => e.currency = "XXX"));
  assert.equal(kind, "unknown_currency");
  assert.match(reason, /Unknown currency "XXX".*supports USD, EUR/);
});

Deno.test("validateEvent accepts only UTC timestamps", () => {
  const { kind, reason } = rejection(
    "devices",
    raw("devices", (e) => e.event_time = "2026-01-05T19:30:00+01:00"),
  );
  assert.equal(kind, "invalid_value");
  assert.match(reason, /'event_time'/);
});

Deno.test("validateEvent reports the most telling problem and counts the rest", () => {
  const { kind, reason } = rejection(
    "orders",
    raw("orders", (e) => {
      delete e.order_id;
      e.currency = "XXX";
    }),
  );
  assert.equal(kind, "missing_field");
  assert.match(reason, /\(and 1 more problem\)$/);
});

Deno.test("the order schema documents is_fraud and fraud_pattern as labels, not features", () => {
  const shape = OrderEventSchema.shape;
  assert.match(shape.is_fraud.description ?? "", /^LABEL, not a feature/);
  assert.match(shape.fraud_pattern.description ?? "", /^LABEL, not a feature/);
});
