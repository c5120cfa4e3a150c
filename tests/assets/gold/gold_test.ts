// Gold on hand-built bronze, against values computed by hand: revenue KPIs of one group, the
// five alert rules with their scores, and the 30-day user risk with its label.
import assert from "node:assert/strict";
import { type Fixture, openTransformHarness, readCurrent } from "../_bronze_fixture.ts";
import { geo, order, payment, refund, user } from "../_events.ts";

const DAY = "2026-01-10";

async function goldRows(events: Fixture, key: string) {
  const h = await openTransformHarness({ events });
  try {
    const outcome = await h.run({ selection: `+${key}`, partitions: `2026-01-01..${DAY}` });
    assert.equal(outcome.run?.status, "succeeded");
    return await readCurrent(h, key, DAY);
  } finally {
    await h.close();
  }
}

Deno.test("gold.revenue_daily sums orders, revenue, fraud and failures per group", async () => {
  const a = order({ event_time: `${DAY}T08:00:00.000Z`, amount: 10, user_id: "usr_a" });
  const b = order({ event_time: `${DAY}T09:00:00.000Z`, amount: 20, user_id: "usr_b" });
  const c = order({
    event_time: `${DAY}T10:00:00.000Z`,
    amount: 24,
    user_id: "usr_a",
    is_fraud: true,
    fraud_pattern: "amount_spike",
  });
  const gb = order({
    event_time: `${DAY}T11:00:00.000Z`,
    amount: 79,
    currency: "GBP",
    payment_method: "paypal",
    billing_country: "GB",
    shipping_country: "GB",
  });
  const rows = await goldRows({
    orders: [a, b, c, gb],
    payments: [
      payment(a, { event_time: `${DAY}T08:00:01.000Z` }),
      payment(b, { event_time: `${DAY}T09:00:01.000Z`, status: "DECLINED" }),
      payment(c, { event_time: `${DAY}T10:00:01.000Z` }),
      payment(gb, { event_time: `${DAY}T11:00:01.000Z` }),
    ],
    refunds: [refund(c, { event_time: `${DAY}T12:00:00.000Z`, amount: 4 })],
  }, "gold.revenue_daily");
  assert.equal(rows.length, 2);
  const [gbRow, us] = rows;
  assert.deepEqual(
    [gbRow.shipping_country, gbRow.currency, gbRow.amount_tier, gbRow.gmv],
    ["GB", "GBP", "medium", 79],
    "79 GBP is 100 USD: the medium tier",
  );
  assert.deepEqual({ ...us, event_date: undefined }, {
    event_date: undefined,
    shipping_country: "US",
    currency: "USD",
    payment_method: "credit_card",
    amount_tier: "micro",
    total_orders: 3,
    gmv: 54,
    net_revenue: 30, // 10 + (24 - 4); the declined 20 earns nothing
    fraud_amount: 24,
    fraud_orders: 1,
    failed_payments: 1,
    unique_customers: 2,
    fraud_rate: 0.333333,
    payment_failure_rate: 0.333333,
    avg_order_value: 18,
    median_order_value: 20,
    p95_order_value: 23.6, // 20 + 0.9 * (24 - 20)
  });
});

/** Five users, each set up to fire known rules on DAY. */
function alertScenario() {
  const spender = [3, 4, 5, 6, 7].map((d) =>
    order({
      event_time: `2026-01-0${d}T12:00:00.000Z`,
      amount: 10,
      user_id: "usr_spender",
      session_id: "ses_s",
    })
  );
  const nightSpike = order({
    event_time: `${DAY}T03:00:00.000Z`,
    amount: 100,
    user_id: "usr_spender",
    session_id: "ses_s",
  });
  const blocked = order({
    event_time: `${DAY}T14:00:00.000Z`,
    user_id: "usr_blocked",
    session_id: "ses_b",
  });
  const burst = [0, 5, 10, 15, 20].map((m) =>
    order({
      event_time: `${DAY}T15:${String(m).padStart(2, "0")}:00.000Z`,
      user_id: "usr_burst",
      session_id: "ses_v",
    })
  );
  const traveller = order({
    event_time: `${DAY}T16:40:00.000Z`,
    user_id: "usr_travel",
    session_id: "ses_t",
  });
  const risky = order({
    event_time: `${DAY}T18:00:00.000Z`,
    user_id: "usr_risky",
    session_id: "ses_r",
  });
  const events: Fixture = {
    orders: [...spender, nightSpike, blocked, ...burst, traveller, risky],
    users: [
      user({
        event_time: "2026-01-01T00:00:00.000Z",
        user_id: "usr_blocked",
        email_domain: "mailinator.com",
      }),
    ],
    geo_events: [
      geo({ event_time: `${DAY}T16:00:00.000Z`, user_id: "usr_travel", session_id: "ses_t" }),
      geo({
        event_time: `${DAY}T16:30:00.000Z`,
        user_id: "usr_travel",
        session_id: "ses_t",
        ip_country: "GB",
        latitude: 51.51,
        longitude: -0.13,
      }),
      geo({
        event_time: `${DAY}T17:59:00.000Z`,
        user_id: "usr_risky",
        session_id: "ses_r",
        ip_country: "FR",
        latitude: 48.86,
        longitude: 2.35,
        is_vpn: true,
      }),
    ],
    payments: [payment(risky, { event_time: `${DAY}T18:00:01.000Z`, provider_risk_score: 0.9 })],
  };
  return { events, nightSpike, blocked, burst, traveller };
}

Deno.test("gold.fraud_alerts lists the rules that fired and a score of 1 - prod(1 - weight)", async () => {
  const { events, nightSpike, blocked, burst, traveller } = alertScenario();
  const rows = await goldRows(events, "gold.fraud_alerts");
  const alerts = rows.map((row) => [row.order_id, row.rules_fired, row.score]);
  assert.deepEqual(alerts, [
    [nightSpike.order_id, ["high_value", "night_time"], 0.65],
    [blocked.order_id, ["blocklist"], 0.8],
    [burst[4].order_id, ["velocity"], 0.5],
    [traveller.order_id, ["impossible_travel"], 0.7],
  ]);
});

Deno.test("gold.user_fraud_scores weighs 30 days of features into a score and a label", async () => {
  const { events } = alertScenario();
  const rows = await goldRows(events, "gold.user_fraud_scores");
  const byUser = new Map(rows.map((row) => [row.user_id, row]));
  const spender = byUser.get("usr_spender")!;
  assert.equal(spender.orders_30d, 6);
  // Five orders at 1x their average, then one at 10x: mean deviation 2.5, weighted 0.1 * 1.5 / 5.
  assert.equal(spender.avg_amount_deviation, 2.5);
  // Orders exactly 24 hours apart are inside each other's 24h window (it includes its start):
  // four of six saw one, so velocity adds 0.15 * (4 / 6) / 10 = 0.01.
  assert.equal(spender.avg_velocity_24h, 0.666667);
  assert.equal(spender.composite_risk_score, 0.04);
  assert.equal(spender.risk_label, "low");
  const risky = byUser.get("usr_risky")!;
  // 0.30 * 0.9 payment risk + 0.20 * all orders anonymized + 0.15 * all orders mismatched
  assert.equal(risky.composite_risk_score, 0.62);
  assert.equal(risky.risk_label, "high");
  assert.equal(risky.vpn_sessions_30d, 1);
  assert.equal(risky.fraud_count_30d, 0);
});
