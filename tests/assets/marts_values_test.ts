// Every mart on hand-built bronze, against values worked out by hand: two users over two days, a
// blocklisted e-mail domain (the rules' 0.8), a chargeback, a PENDING payment settled the same
// day, a VIP by spend. Bronze → silver → gold → the warehouse → the marts in Postgres (PGlite);
// no model is champion yet, so the model's columns are empty.
import assert from "node:assert/strict";
import { SCORES_WAREHOUSE_MIGRATIONS } from "../../assets/order_risk_scores.ts";
import { loadMarts, loadTransforms } from "../../assets/transforms.ts";
import { warehouseAssets } from "../../assets/warehouse.ts";
import { defineAsset } from "../../runtime/definitions/asset.ts";
import type { AssetKey } from "../../runtime/definitions/asset_key.ts";
import { openMetadataStore } from "../../resources/postgres/open_metadata_store.ts";
import { bronzeFixtureAssets } from "./_bronze_fixture.ts";
import { order, payment, user } from "./_events.ts";
import { openHarness } from "../support/runtime_harness.ts";

const D1 = "2026-01-09";
const D2 = "2026-01-10";

function fixture() {
  const profile = user({
    user_id: "usr_a",
    event_time: "2026-01-01T00:00:00.000Z",
    email_domain: "mailinator.com",
  });
  const base = { session_id: "ses_a", device_id: "dev_a", user_id: "usr_a" };
  const a1 = order({ ...base, event_time: `${D1}T09:00:00.000Z`, amount: 100 });
  const a2 = order({ ...base, event_time: `${D2}T10:00:00.000Z`, amount: 200 });
  const b1 = order({
    session_id: "ses_b",
    device_id: "dev_b",
    user_id: "usr_b",
    event_time: `${D2}T11:00:00.000Z`,
    amount: 3_000,
  });
  const chargeback = payment(a2, { event_time: `${D2}T18:00:00.000Z`, status: "CHARGEBACK" });
  return {
    a1,
    a2,
    b1,
    chargeback,
    events: {
      users: [profile],
      orders: [a1, a2, b1],
      payments: [
        payment(a1, { event_time: `${D1}T09:00:01.000Z` }),
        payment(a2, { event_time: `${D2}T10:00:01.000Z` }),
        chargeback,
        payment(b1, { event_time: `${D2}T11:00:01.000Z`, status: "PENDING" }),
        payment(b1, { event_time: `${D2}T20:00:00.000Z` }),
      ],
    },
  };
}

Deno.test("the marts hold the values worked out by hand", async () => {
  const f = fixture();
  const transforms = await loadTransforms();
  // The scores' warehouse table exists from its migration, empty: no model is champion.
  const scores = defineAsset({
    key: "warehouse.gold.order_risk_scores",
    materialize: () => Promise.resolve({ rows: 0, data: "empty: no model is champion" }),
  });
  const warehouse = warehouseAssets(transforms);
  const publishers = new Map<AssetKey, AssetKey>([
    ...warehouse.map((asset) => [asset.deps[0].key, asset.key] as [AssetKey, AssetKey]),
    ["gold.order_risk_scores" as AssetKey, scores.key],
  ]);
  const store = await openMetadataStore({ embeddedDir: ":memory:" });
  await store.migrateSchema(SCORES_WAREHOUSE_MIGRATIONS);
  const h = await openHarness([
    ...bronzeFixtureAssets({ events: f.events }),
    ...transforms,
    ...warehouse,
    scores,
    ...await loadMarts(publishers),
  ], { store });
  try {
    const outcome = await h.run({
      selection: "group:marts+,+group:marts",
      partitions: `2026-01-01..${D2}`,
      resources: { warehouse: store.database } as never,
    });
    assert.equal(
      outcome.run?.status,
      "succeeded",
      JSON.stringify(outcome.run?.steps.filter((s) => s.status === "failed")),
    );
    const q = <T>(sql: string) => store.database.query<T & Record<string, unknown>>(sql);

    assert.deepEqual(
      await q(`select order_id, user_id, order_date::text, amount::text, amount_usd::text,
                      payment_status, refunded_amount::text, is_fraud, rules_score,
                      model_fraud_probability, model_flagged, model_version,
                      to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') as updated_at
               from marts.fact_orders order by order_id`),
      [
        [f.a1, D1, "100.00", "SUCCEEDED", 0.8, `${D1}T09:00:01`],
        [f.a2, D2, "200.00", "CHARGEBACK", 0.8, `${D2}T18:00:00`],
        [f.b1, D2, "3000.00", "SUCCEEDED", 0, `${D2}T20:00:00`],
      ].map(([o, day, amount, status, rules, updated]) => ({
        order_id: (o as typeof f.a1).order_id,
        user_id: (o as typeof f.a1).user_id,
        order_date: day,
        amount,
        amount_usd: amount,
        payment_status: status,
        refunded_amount: "0.00",
        is_fraud: false,
        rules_score: rules,
        model_fraud_probability: null,
        model_flagged: null,
        model_version: null,
        updated_at: updated,
      })).sort((x, y) => x.order_id.localeCompare(y.order_id)),
    );

    assert.deepEqual(
      await q(`select user_id, orders, gmv_usd::text, first_order_date::text,
                      last_order_date::text, chargebacks, risk_as_of::text, risk_score,
                      risk_label, segment
               from marts.dim_users order by user_id`),
      [
        {
          user_id: "usr_a",
          orders: 2,
          gmv_usd: "300.00",
          first_order_date: D1,
          last_order_date: D2,
          chargebacks: 1,
          risk_as_of: D2,
          // 0.30 x payment risk 0.1 + 0.10 x (avg amount deviation (1 + 2) / 2 - 1) / 5
          risk_score: 0.04,
          risk_label: "low",
          segment: "new", // ordered within 30 days of the first order
        },
        {
          user_id: "usr_b",
          orders: 1,
          gmv_usd: "3000.00",
          first_order_date: D2,
          last_order_date: D2,
          chargebacks: 0,
          risk_as_of: D2,
          risk_score: 0.03, // 0.30 x payment risk 0.1
          risk_label: "low",
          segment: "vip", // over 2,000 USD
        },
      ],
    );

    assert.deepEqual(
      await q(`select fraud_event_id, kind, order_id, user_id, event_date::text, score,
                      rules_fired, amount_usd::text, confirmed, segment
               from marts.fact_fraud_events order by fraud_event_id`),
      [
        {
          fraud_event_id: `alert:${f.a1.order_id}`,
          kind: "alert",
          order_id: f.a1.order_id,
          user_id: "usr_a",
          event_date: D1,
          score: 0.8,
          rules_fired: ["blocklist"],
          amount_usd: "100.00",
          confirmed: false,
          segment: "new",
        },
        {
          fraud_event_id: `alert:${f.a2.order_id}`,
          kind: "alert",
          order_id: f.a2.order_id,
          user_id: "usr_a",
          event_date: D2,
          score: 0.8,
          rules_fired: ["blocklist"],
          amount_usd: "200.00",
          confirmed: false,
          segment: "new",
        },
        {
          fraud_event_id: `chargeback:${f.chargeback.event_id}`,
          kind: "chargeback",
          order_id: f.a2.order_id,
          user_id: "usr_a",
          event_date: D2,
          score: 1,
          rules_fired: ["chargeback"],
          amount_usd: "200.00",
          confirmed: false,
          segment: "new",
        },
      ],
    );

    const dates = await q<{ date_day: string }>(
      `select date_day::text, year, quarter, month, month_name, iso_week, day_of_week, day_name,
              is_weekend, month_start::text
       from marts.dim_dates order by date_day`,
    );
    // From the first order day to a year past the last: 2026-01-09 .. 2027-01-10.
    assert.equal(dates.length, 367);
    assert.deepEqual(dates[0], {
      date_day: D1,
      year: 2026,
      quarter: 1,
      month: 1,
      month_name: "Jan",
      iso_week: 2,
      day_of_week: 5,
      day_name: "Fri",
      is_weekend: false,
      month_start: "2026-01-01",
    });
    assert.equal(dates[366].date_day, "2027-01-10");
    assert.equal(dates[1].is_weekend, true, "2026-01-10 is a Saturday");
  } finally {
    await h.close();
  }
});
