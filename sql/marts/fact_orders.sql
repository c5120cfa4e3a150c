/*
key: marts.fact_orders
engine: postgres
group: marts
description: One row per order with its latest payment outcome, the rules' score and the champion model's score and decision; incremental, so a PENDING payment settled days later (or a rescore by a new champion) updates its order instead of adding one.
materialized: incremental
unique_key: order_id
updated_at: updated_at
lookback_days: 3
indexes: [[user_id], [order_date]]
columns:
  order_id: The order (grain).
  payment_status: The latest payment event's status, settlements included.
  updated_at: The order's time, its latest payment event's or when the champion model last scored it, whichever is later.
  rules_score: The rules' score in [0, 1] from gold.fraud_alerts; 0 when no rule fired.
  model_fraud_probability: The champion model's fraud probability; null before any model is champion.
  model_flagged: Whether the probability reaches the model's decision threshold (precision 0.9 on its validation day).
  model_version: The model version that scored the order (`deno task models`).
tests:
  - unique: order_id
  - not_null: [order_id, user_id, order_date, amount, currency, updated_at]
  - accepted_values:
      { column: payment_status, values: [PENDING, SUCCEEDED, DECLINED, FAILED, CHARGEBACK] }
  # per_row: each judges an order on its own, so a merge tests only the orders it writes.
  - name: no_negative_amounts
    per_row: true
    sql: "select order_id, amount from {{ this }} where amount < 0"
  - name: scores_in_unit_interval
    per_row: true
    sql: "select order_id, rules_score, model_fraud_probability from {{ this }} where rules_score not between 0 and 1 or model_fraud_probability not between 0 and 1"
*/
-- Warehouse relations: ref('silver.orders_enriched') reads its published copy in Postgres.
with latest_payment as (
  select distinct on (order_id)
    order_id,
    status as payment_status,
    event_time as payment_updated_at
  from {{ ref('silver.payments') }}
  order by order_id, event_time desc, event_id desc
)
select
  o.order_id,
  o.user_id,
  o.event_date as order_date,
  o.order_ts,
  o.amount,
  o.currency,
  o.amount_usd::numeric(18, 2) as amount_usd,
  o.payment_method,
  o.channel,
  o.merchant_category,
  o.shipping_country,
  o.billing_country,
  coalesce(p.payment_status, o.payment_status) as payment_status,
  o.refunded_amount,
  o.is_fraud,
  o.fraud_pattern,
  coalesce(a.score, 0)::double precision as rules_score,
  s.fraud_probability as model_fraud_probability,
  s.is_fraud as model_flagged,
  s.model_version,
  -- A rescore (the champion moved) updates the order, so the merge's lookback takes it.
  greatest(o.order_ts, p.payment_updated_at, s.scored_at) as updated_at
from {{ ref('silver.orders_enriched') }} as o
left join latest_payment as p on p.order_id = o.order_id
left join {{ ref('gold.fraud_alerts') }} as a on a.order_id = o.order_id
left join {{ ref('gold.order_risk_scores') }} as s on s.order_id = o.order_id
