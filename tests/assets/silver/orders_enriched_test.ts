// silver.orders_enriched on hand-built bronze: each history feature counts only what happened
// strictly before the order, the session context comes from its own device and geo events, and
// re-materializing a day gives the same rows and the same data version.
import assert from "node:assert/strict";
import { currentOf, type Fixture, openTransformHarness, readCurrent } from "../_bronze_fixture.ts";
import { device, geo, order, payment, refund, user } from "../_events.ts";

const DAY = "2026-01-10";

/** Runs bronze through silver for 2026-01-01..DAY and returns the day's rows by order id. */
async function silverRows(events: Fixture, day = DAY) {
  const h = await openTransformHarness({ events });
  try {
    const outcome = await h.run({
      selection: "+silver.orders_enriched",
      partitions: `2026-01-01..${day}`,
    });
    assert.equal(
      outcome.run?.status,
      "succeeded",
      JSON.stringify(outcome.run?.steps.filter((s) => s.status !== "succeeded")),
    );
    const rows = await readCurrent(h, "silver.orders_enriched", day);
    return new Map(rows.map((row) => [row.order_id as string, row]));
  } finally {
    await h.close();
  }
}

Deno.test("velocity_1h, _24h and _7d count the user's earlier orders in each window", async () => {
  const at = (iso: string) => order({ event_time: iso });
  const history = [
    at("2026-01-02T11:00:00.000Z"), // 8 days before: outside 7d
    at("2026-01-04T12:00:00.000Z"), // 6 days before: inside 7d
    at("2026-01-09T11:59:59.000Z"), // just over 24h before: 7d only
    at("2026-01-09T12:00:00.000Z"), // exactly 24h before: 24h and 7d
    at("2026-01-10T11:00:00.000Z"), // exactly 1h before: all three
    at("2026-01-10T11:30:00.000Z"), // inside the hour
  ];
  const target = at("2026-01-10T12:00:00.000Z");
  const other = order({ event_time: "2026-01-10T11:45:00.000Z", user_id: "usr_2" });
  const rows = await silverRows({ orders: [...history, target, other] });
  const row = rows.get(target.order_id)!;
  assert.equal(row.velocity_1h, 2);
  assert.equal(row.velocity_24h, 3);
  assert.equal(row.velocity_7d, 5);
  assert.equal(row.prior_orders_30d, 6);
  assert.equal(rows.get(other.order_id)!.velocity_7d, 0, "another user's orders never count");
  assert.equal(rows.size, 4, "only the orders of the partition's day are written");
});

Deno.test("amount_vs_user_avg and _p95 compare the order with the user's earlier amounts", async () => {
  const amounts = [10, 20, 30, 40];
  const history = amounts.map((amount, i) =>
    order({ event_time: `2026-01-0${i + 2}T10:00:00.000Z`, amount })
  );
  const eur = order({ event_time: "2026-01-10T10:00:00.000Z", amount: 92, currency: "EUR" });
  const rows = await silverRows({ orders: [...history, eur] });
  const row = rows.get(eur.order_id)!;
  assert.equal(row.amount_usd, 100, "92 EUR at 0.92 per USD");
  assert.equal(row.amount_vs_user_avg, 4, "100 over an average of 25");
  // quantile_cont(0.95) of 10, 20, 30, 40 = 30 + 0.85 * 10 = 38.5
  assert.equal(row.amount_vs_user_p95, Number((100 / 38.5).toFixed(6)));
  const first = (await silverRows({ orders: [eur] })).get(eur.order_id)!;
  assert.equal(first.amount_vs_user_avg, 1, "no history means no deviation");
});

Deno.test("geo_mismatch flags a shipping or IP country other than the billing country", async () => {
  const same = order({ event_time: "2026-01-10T08:00:00.000Z", session_id: "ses_a" });
  const shipped = order({
    event_time: "2026-01-10T09:00:00.000Z",
    session_id: "ses_b",
    shipping_country: "NG",
  });
  const fromAbroad = order({ event_time: "2026-01-10T10:00:00.000Z", session_id: "ses_c" });
  const rows = await silverRows({
    orders: [same, shipped, fromAbroad],
    geo_events: [
      geo({ event_time: "2026-01-10T07:59:00.000Z", session_id: "ses_a" }),
      geo({ event_time: "2026-01-10T08:59:00.000Z", session_id: "ses_b" }),
      geo({
        event_time: "2026-01-10T09:59:00.000Z",
        session_id: "ses_c",
        ip_country: "FR",
        latitude: 40.71,
        longitude: -74.01,
        is_vpn: true,
      }),
    ],
  });
  assert.equal(rows.get(same.order_id)!.geo_mismatch, 0);
  assert.equal(rows.get(shipped.order_id)!.geo_mismatch, 1);
  assert.equal(rows.get(shipped.order_id)!.is_high_risk_country, 1);
  assert.equal(rows.get(shipped.order_id)!.country_risk_score, 0.9);
  assert.equal(rows.get(fromAbroad.order_id)!.geo_mismatch, 1);
  assert.equal(rows.get(fromAbroad.order_id)!.ip_country, "FR");
  assert.equal(rows.get(fromAbroad.order_id)!.vpn_detected, 1);
});

Deno.test("travel speed is the haversine distance from the previous geo event over the time between", async () => {
  const far = order({ event_time: "2026-01-10T10:40:00.000Z" });
  const rows = await silverRows({
    orders: [far],
    geo_events: [
      // New York, then London 30 minutes later: about 5,570 km, over 11,000 km/h.
      geo({ event_time: "2026-01-10T10:00:00.000Z", latitude: 40.71, longitude: -74.01 }),
      geo({
        event_time: "2026-01-10T10:30:00.000Z",
        ip_country: "GB",
        latitude: 51.51,
        longitude: -0.13,
      }),
    ],
  });
  const row = rows.get(far.order_id)!;
  const km = row.travel_distance_km as number;
  assert.ok(Math.abs(km - 5570) < 10, `distance ${km}`);
  const speed = row.travel_speed_kmh as number;
  assert.ok(Math.abs(speed - km * 2) < 0.01, `speed ${speed} km/h over half an hour`);
});

Deno.test("a later event never leaks into an earlier order", async () => {
  const early = order({ event_time: "2026-01-10T09:00:00.000Z", amount: 10 });
  const late = order({ event_time: "2026-01-10T10:00:00.000Z", amount: 1000 });
  const events: Fixture = {
    orders: [early, late],
    payments: [payment(early, { event_time: "2026-01-10T09:30:00.000Z", status: "CHARGEBACK" })],
    refunds: [
      refund(early, { event_time: "2026-01-10T09:40:00.000Z", reason: "item_not_received" }),
    ],
    devices: [device({ event_time: "2026-01-10T09:50:00.000Z", device_id: "dev_new" })],
    users: [
      user({
        event_time: "2026-01-10T09:55:00.000Z",
        account_created_at: "2026-01-10T09:55:00.000Z",
      }),
    ],
  };
  const rows = await silverRows(events);
  const first = rows.get(early.order_id)!;
  assert.equal(first.velocity_1h, 0);
  assert.equal(first.chargeback_count, 0);
  assert.equal(first.refund_count_30d, 0);
  assert.equal(first.device_count_30d, 0);
  assert.equal(first.amount_vs_user_avg, 1);
  assert.equal(first.account_age_days, 0, "the profile came after the order");
  const second = rows.get(late.order_id)!;
  assert.equal(second.velocity_1h, 1);
  assert.equal(second.chargeback_count, 1);
  assert.equal(second.chargeback_rate, 1);
  assert.equal(second.refund_count_30d, 1);
  assert.equal(second.fraud_refund_count, 1);
  assert.equal(second.device_count_30d, 2, "dev_1 of the first order and dev_new");
  assert.equal(second.amount_vs_user_avg, 100);
  assert.equal(second.account_age_days, Number((5 / 60 / 24).toFixed(6)));
});

Deno.test("re-materializing a day gives the same rows and the same data version", async () => {
  const o = order({ event_time: "2026-01-10T10:00:00.000Z" });
  const events: Fixture = {
    orders: [o, order({ event_time: "2026-01-09T10:00:00.000Z" })],
    payments: [payment(o, { event_time: "2026-01-10T10:00:01.000Z" })],
    geo_events: [geo({ event_time: "2026-01-10T09:59:00.000Z" })],
  };
  const h = await openTransformHarness({ events });
  try {
    await h.run({ selection: "+silver.orders_enriched", partitions: `2026-01-01..${DAY}` });
    const first = await currentOf(h, "silver.orders_enriched", DAY);
    const firstRows = await readCurrent(h, "silver.orders_enriched", DAY);
    const again = await h.run({
      selection: "silver.orders_enriched",
      partitions: DAY,
      force: true,
    });
    assert.equal(again.run?.status, "succeeded");
    const second = await currentOf(h, "silver.orders_enriched", DAY);
    assert.notEqual(second.materializationId, first.materializationId);
    assert.equal(second.dataVersion, first.dataVersion);
    assert.deepEqual(await readCurrent(h, "silver.orders_enriched", DAY), firstRows);
    assert.equal(firstRows.length, 1, "one row per order: replaced, never appended");
  } finally {
    await h.close();
  }
});
