// Leakage: no feature of an order uses an event at or after the order time, nor any label.
// The same order is enriched twice, over a history of every kind of event before it, and over
// that history plus events of every kind at the order's instant and after it, with every label
// flipped: its 25 features must be identical. The one event after the order both runs share is
// the order's own checkout authorization (its first payment attempt, seconds later), whose
// provider verdict the payment features are by definition.
import assert from "node:assert/strict";
import { FEATURE_NAMES } from "../../../models/features.ts";
import type { AnyEvent, Topic } from "../../../contracts/events/mod.ts";
import { type Fixture, openTransformHarness, readCurrent } from "../_bronze_fixture.ts";
import { device, geo, order, payment, refund, user } from "../_events.ts";

const DAY = "2026-01-10";
const T = `${DAY}T12:00:00.000Z`;
const at = (offsetMinutes: number) =>
  new Date(Date.parse(T) + offsetMinutes * 60_000).toISOString();

async function featuresOf(events: Fixture, orderId: string) {
  const h = await openTransformHarness({ events });
  try {
    const outcome = await h.run({
      selection: "+silver.orders_enriched",
      partitions: `2026-01-01..${DAY}`,
    });
    assert.equal(outcome.run?.status, "succeeded");
    const row = (await readCurrent(h, "silver.orders_enriched", DAY))
      .find((r) => r.order_id === orderId);
    assert.ok(row, `${orderId} is not in silver.orders_enriched`);
    return Object.fromEntries(FEATURE_NAMES.map((name) => [name, row[name]]));
  } finally {
    await h.close();
  }
}

/** A user with some of everything before T, and the order at T with its checkout attempt. */
function history() {
  const session = { user_id: "usr_l", session_id: "ses_l", device_id: "dev_l" };
  const earlier = [
    order({ ...session, event_time: at(-3 * 24 * 60), amount: 30 }),
    order({ ...session, event_time: at(-5 * 60), amount: 60, currency: "EUR" }),
    order({ ...session, event_time: at(-30), amount: 90 }),
  ];
  const target = order({
    ...session,
    event_time: T,
    amount: 120,
    billing_country: "US",
    shipping_country: "US",
  });
  const events: Record<Topic, AnyEvent[]> = {
    orders: [...earlier, target],
    payments: [
      ...earlier.map((o, i) =>
        payment(o, { event_time: at(-3 * 24 * 60 + i * 60 + 1), status: "SUCCEEDED" })
      ),
      payment(earlier[0], { event_time: at(-24 * 60), status: "CHARGEBACK" }),
      payment(target, { event_time: at(0.05), provider_risk_score: 0.42 }),
    ],
    refunds: [refund(earlier[1], { event_time: at(-60), reason: "item_not_received" })],
    devices: [
      device({ ...session, event_time: at(-20), device_id: "dev_l", is_emulator: false }),
      device({ ...session, event_time: at(-2 * 24 * 60), device_id: "dev_old" }),
    ],
    geo_events: [
      geo({ ...session, event_time: at(-40), ip_country: "US", latitude: 40.7, longitude: -74 }),
      geo({ ...session, event_time: at(-10), ip_country: "US", latitude: 40.8, longitude: -73.9 }),
    ],
    users: [
      user({
        user_id: "usr_l",
        event_time: at(-10 * 24 * 60),
        account_created_at: at(-10 * 24 * 60),
      }),
    ],
  };
  return { events, target, session, earlier };
}

/** Events of every kind at the order's instant and after it. */
function atAndAfter(h: ReturnType<typeof history>): Record<Topic, AnyEvent[]> {
  const { session, target } = h;
  const same = order({ ...session, event_time: T, amount: 5_000, currency: "GBP" });
  const later = order({ ...session, event_time: at(1), amount: 7_000 });
  return {
    orders: [same, later],
    payments: [
      payment(target, { event_time: at(30), status: "CHARGEBACK" }),
      payment(same, { event_time: T, status: "CHARGEBACK", provider_risk_score: 0.99 }),
      payment(later, { event_time: at(2), status: "DECLINED" }),
    ],
    refunds: [
      refund(target, { event_time: T, reason: "not_as_described" }),
      refund(h.earlier[2], { event_time: at(5), reason: "item_not_received" }),
    ],
    devices: [
      device({ ...session, event_time: T, device_id: "dev_same", is_bot: true, bot_score: 1 }),
      device({ ...session, event_time: at(3), device_id: "dev_after", is_emulator: true }),
    ],
    geo_events: [
      geo({
        ...session,
        event_time: T,
        ip_country: "RU",
        is_vpn: true,
        is_tor: true,
        latitude: 55.7,
        longitude: 37.6,
      }),
      geo({ ...session, event_time: at(4), ip_country: "NG", is_proxy: true }),
    ],
    users: [
      user({
        user_id: "usr_l",
        event_type: "profile_update",
        event_time: T,
        account_created_at: T,
        email_domain: "mailinator.com",
      }),
      user({ user_id: "usr_l", event_type: "profile_update", event_time: at(6) }),
    ],
  };
}

Deno.test("no feature of an order uses an event at or after its time, nor any label", async () => {
  const h = history();
  const before = await featuresOf(h.events, h.target.order_id);

  const extra = atAndAfter(h);
  const flip = (o: AnyEvent) =>
    "is_fraud" in o
      ? { ...o, is_fraud: !o.is_fraud, fraud_pattern: o.is_fraud ? null : "account_takeover" }
      : o;
  const changed: Fixture = Object.fromEntries(
    (Object.keys(h.events) as Topic[]).map((topic) => [
      topic,
      [...h.events[topic], ...extra[topic]].map(flip),
    ]),
  );
  const after = await featuresOf(changed, h.target.order_id);
  assert.deepEqual(after, before);
  // The history did reach the features (the test would pass vacuously otherwise).
  assert.equal(before.velocity_24h, 2);
  assert.equal(before.velocity_7d, 3);
  assert.equal(before.chargeback_count, 1);
  assert.equal(before.refund_count_30d, 1);
  assert.equal(before.payment_risk_score, 0.42);
});
