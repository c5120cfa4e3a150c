/*
key: marts.dim_users
engine: postgres
group: marts
description: One row per user who ordered, with lifetime order facts, the latest 30-day risk score and a segment.
materialized: table
indexes: [[segment], [risk_label]]
freshness: { maximum_lag_minutes: 1440 }
columns:
  user_id: The user (grain).
  segment: vip (GMV over 2,000 USD), at_risk (high risk label), new (first order within 30 days of the last), or regular.
  risk_label: low, medium or high from gold.user_fraud_scores as of its latest day; unscored users are low.
tests:
  - unique: user_id
  - not_null: [user_id, orders, segment, risk_label]
  - accepted_values: { column: segment, values: [vip, at_risk, new, regular] }
  - accepted_values: { column: risk_label, values: [low, medium, high] }
    name: risk_label_values
*/
with orders as (
  select
    user_id,
    count(*) as orders,
    sum(amount_usd) as gmv_usd,
    min(order_date) as first_order_date,
    max(order_date) as last_order_date,
    count(*) filter (where payment_status = 'CHARGEBACK') as chargebacks
  from {{ ref('marts.fact_orders') }}
  group by user_id
),
latest_score as (
  select distinct on (user_id)
    user_id, as_of_date, composite_risk_score, risk_label, user_fraud_rate
  from {{ ref('gold.user_fraud_scores') }}
  order by user_id, as_of_date desc
)
select
  o.user_id,
  o.orders::integer as orders,
  o.gmv_usd::numeric(18, 2) as gmv_usd,
  o.first_order_date,
  o.last_order_date,
  o.chargebacks::integer as chargebacks,
  s.as_of_date as risk_as_of,
  coalesce(s.composite_risk_score, 0)::double precision as risk_score,
  coalesce(s.risk_label, 'low') as risk_label,
  case
    when s.risk_label = 'high' then 'at_risk'
    when o.gmv_usd > 2000 then 'vip'
    when o.last_order_date - o.first_order_date < 30 then 'new'
    else 'regular'
  end as segment
from orders as o
left join latest_score as s on s.user_id = o.user_id
