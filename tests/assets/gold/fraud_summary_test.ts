// gold.fraud_summary on hand-built bronze, against values worked out by hand: two groups of one
// day, fraud counts and GMV, a geo mismatch from the session's IP and one from shipping, a VPN,
// and a refund of a fraudulent order.
import assert from "node:assert/strict";
import { openTransformHarness, readCurrent } from "../_bronze_fixture.ts";
import { geo, order, payment, refund } from "../_events.ts";

const DAY = "2026-01-10";

Deno.test("gold.fraud_summary counts fraud, GMV, mismatches, VPNs and refunds per group", async () => {
  const a = order({ session_id: "ses_a", event_time: `${DAY}T08:00:00.000Z`, amount: 10 });
  const b = order({
    session_id: "ses_b",
    user_id: "usr_b",
    event_time: `${DAY}T10:00:00.000Z`,
    amount: 20,
    is_fraud: true,
    fraud_pattern: "anonymized_network",
  });
  const c = order({
    session_id: "ses_c",
    user_id: "usr_c",
    event_time: `${DAY}T11:00:00.000Z`,
    amount: 50,
    payment_method: "paypal",
    shipping_country: "GB",
  });
  const h = await openTransformHarness({
    events: {
      orders: [a, b, c],
      payments: [a, b, c].map((o) =>
        payment(o, {
          event_time: new Date(Date.parse(o.event_time) + 1_000).toISOString(),
        })
      ),
      // b's session comes from Canada behind a VPN: a mismatch with its US billing.
      geo_events: [
        geo({
          session_id: "ses_b",
          user_id: "usr_b",
          event_time: `${DAY}T09:50:00.000Z`,
          ip_country: "CA",
          is_vpn: true,
        }),
      ],
      refunds: [refund(b, { event_time: `${DAY}T12:00:00.000Z`, amount: 5 })],
    },
  });
  try {
    const outcome = await h.run({
      selection: "+gold.fraud_summary",
      partitions: `2026-01-01..${DAY}`,
    });
    assert.equal(outcome.run?.status, "succeeded");
    const rows = await readCurrent(h, "gold.fraud_summary", DAY);
    assert.deepEqual(rows, [
      {
        event_date: DAY,
        shipping_country: "GB",
        payment_method: "paypal",
        amount_tier: "small",
        total_orders: 1,
        fraud_orders: 0,
        fraud_gmv_usd: 0,
        total_gmv_usd: 50,
        fraud_rate: 0,
        fraud_gmv_rate: 0,
        geo_mismatch_count: 1, // billed in the US, shipped to GB
        vpn_orders: 0,
        total_refunds: 0,
        total_refund_amount_usd: 0,
        fraud_refunds: 0,
      },
      {
        event_date: DAY,
        shipping_country: "US",
        payment_method: "credit_card",
        amount_tier: "micro",
        total_orders: 2,
        fraud_orders: 1,
        fraud_gmv_usd: 20,
        total_gmv_usd: 30,
        fraud_rate: 0.5,
        fraud_gmv_rate: 0.666667, // 20 / 30
        geo_mismatch_count: 1, // b's IP in CA
        vpn_orders: 1,
        total_refunds: 1,
        total_refund_amount_usd: 5,
        fraud_refunds: 1,
      },
    ]);
  } finally {
    await h.close();
  }
});
