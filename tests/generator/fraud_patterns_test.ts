import assert from "node:assert/strict";
import { FRAUD_PATTERNS, type GeoEvent } from "../../contracts/events/mod.ts";
import { haversineKm } from "../../generator/geography.ts";
import { generateInto, readLines, tempLanding, validEvents } from "./_landing.ts";

const landing = tempLanding();
const report = generateInto(landing, { events: 50_000, seed: 11 });
const lines = readLines(landing);
const orders = validEvents(lines, "orders");

Deno.test("about 3% of orders are labelled fraud over 50,000 events", () => {
  const fraud = orders.filter((order) => order.is_fraud).length;
  const rate = fraud / orders.length;
  assert.ok(rate >= 0.02 && rate <= 0.04, `fraud rate ${rate}`);
  assert.equal(fraud, report.fraudOrders);
  assert.equal(orders.length, report.orders);
});

Deno.test("every fraud pattern appears, and labels disagree with patterns only as noise", () => {
  const seen = new Set(orders.filter((o) => o.is_fraud).map((o) => o.fraud_pattern));
  for (const pattern of FRAUD_PATTERNS) assert.ok(seen.has(pattern), `${pattern} never injected`);
  // About 2% of fraud goes unreported and about as many honest orders are disputed.
  const injected = orders.filter((o) => o.fraud_pattern !== null).length;
  const unreported = orders.filter((o) => o.fraud_pattern !== null && !o.is_fraud).length;
  const disputed = orders.filter((o) => o.fraud_pattern === null && o.is_fraud).length;
  assert.equal(unreported + disputed, report.mislabelled);
  assert.ok(unreported + disputed <= 0.08 * injected, `${unreported} + ${disputed} of ${injected}`);
});

Deno.test("--fraud-rate moves the share of fraud orders", () => {
  const none = generateInto(tempLanding(), { events: 20_000, fraudRate: 0 });
  const high = generateInto(tempLanding(), { events: 20_000, fraudRate: 0.1 });
  assert.equal(none.fraudOrders, 0);
  const rate = high.fraudOrders / high.orders;
  assert.ok(rate > 0.08 && rate < 0.12, `fraud rate ${rate}`);
});

Deno.test("impossible-travel orders follow two geo events further apart than any airliner flies", () => {
  const geoByUser = new Map<string, GeoEvent[]>();
  for (const geo of validEvents(lines, "geo_events")) {
    const list = geoByUser.get(geo.user_id) ?? [];
    list.push(geo);
    geoByUser.set(geo.user_id, list);
  }
  const travels = orders.filter((o) => o.fraud_pattern === "impossible_travel");
  assert.ok(travels.length > 5);
  for (const order of travels) {
    const before = (geoByUser.get(order.user_id) ?? [])
      .filter((g) => g.event_time <= order.event_time)
      .sort((a, b) => a.event_time.localeCompare(b.event_time));
    const [from, to] = before.slice(-2);
    const km = haversineKm(from.latitude, from.longitude, to.latitude, to.longitude);
    const hours = (Date.parse(to.event_time) - Date.parse(from.event_time)) / 3_600_000;
    assert.ok(km / hours > 1000, `${order.order_id}: ${km.toFixed(0)} km in ${hours.toFixed(2)} h`);
  }
});

Deno.test("refund-abuse orders are refunded, and new-account orders come from fresh sign-ups", () => {
  const refunded = new Set(validEvents(lines, "refunds").map((r) => r.order_id));
  const abuse = orders.filter((o) => o.fraud_pattern === "refund_abuse");
  assert.ok(abuse.filter((o) => refunded.has(o.order_id)).length >= abuse.length * 0.7);
  const signups = new Map(
    validEvents(lines, "users").filter((u) => u.event_type === "signup").map((u) => [u.user_id, u]),
  );
  for (const order of orders.filter((o) => o.fraud_pattern === "new_account")) {
    const user = signups.get(order.user_id);
    if (!user) continue; // its signup line may be one of the malformed ones
    const ageMinutes = (Date.parse(order.event_time) - Date.parse(user.account_created_at)) /
      60_000;
    assert.ok(ageMinutes < 60, `${order.order_id} placed ${ageMinutes} minutes after sign-up`);
  }
});

Deno.test("account takeovers come from a device new to the user", () => {
  const newDevices = new Set(
    validEvents(lines, "devices").filter((d) => d.is_new_device).map((d) => d.device_id),
  );
  const takeovers = orders.filter((o) => o.fraud_pattern === "account_takeover");
  assert.ok(takeovers.length > 5);
  const fromNewDevice = takeovers.filter((o) => newDevices.has(o.device_id)).length;
  // A device event may itself be one of the malformed lines, hence not every single one.
  assert.ok(fromNewDevice >= takeovers.length * 0.95, `${fromNewDevice} of ${takeovers.length}`);
});
