/*
key: marts.fact_orders
engine: postgres
group: marts
description: One row per order with its latest payment outcome; incremental, so a PENDING payment settled days later updates its order instead of adding one.
materialized: incremental
unique_key: order_id
updated_at: updated_at
lookback_days: 3
indexes: [[user_id], [order_date]]
columns:
  order_id: The order (grain).
  payment_status: The latest payment event's status, settlements included.
  updated_at: The order's time or its latest payment event's, whichever is later.
tests:
  - unique: order_id
  - not_null: [order_id, user_id, order_date, amount, currency, updated_at]
  - accepted_values:
      { column: payment_status, values: [PENDING, SUCCEEDED, DECLINED, FAILED, CHARGEBACK] }
  - name: no_negative_amounts
    sql: "select order_id, amount from {{ this }} where amount < 0"
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
  greatest(o.order_ts, p.payment_updated_at) as updated_at
from {{ ref('silver.orders_enriched') }} as o
left join latest_payment as p on p.order_id = o.order_id
