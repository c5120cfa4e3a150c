/*
key: marts.fact_fraud_events
engine: postgres
group: marts
description: One row per fraud event - a rule alert on an order or a chargeback - with the order and the user's segment.
materialized: table
indexes: [[user_id], [event_date]]
columns:
  fraud_event_id: alert:ORDER_ID or chargeback:PAYMENT_EVENT_ID (grain).
  kind: alert or chargeback.
  confirmed: Whether the order is labelled fraud in the generator's ground truth.
tests:
  - unique: fraud_event_id
  - not_null: [fraud_event_id, kind, order_id, user_id, event_date]
  - accepted_values: { column: kind, values: [alert, chargeback] }
  - relationships: { column: user_id, to: marts.dim_users, field: user_id }
  - relationships: { column: order_id, to: marts.fact_orders, field: order_id }
*/
with events as (
  select
    'alert:' || a.order_id as fraud_event_id,
    'alert' as kind,
    a.order_id,
    a.order_ts as event_time,
    a.score::double precision as score,
    a.rules_fired
  from {{ ref('gold.fraud_alerts') }} as a
  union all
  select
    'chargeback:' || p.event_id,
    'chargeback',
    p.order_id,
    p.event_time,
    1.0,
    '["chargeback"]'::jsonb
  from {{ ref('silver.payments') }} as p
  where p.status = 'CHARGEBACK'
)
select
  e.fraud_event_id,
  e.kind,
  e.order_id,
  f.user_id,
  (e.event_time at time zone 'UTC')::date as event_date,
  e.event_time,
  e.score,
  e.rules_fired,
  f.amount_usd,
  f.is_fraud as confirmed,
  u.segment
from events as e
join {{ ref('marts.fact_orders') }} as f on f.order_id = e.order_id
join {{ ref('marts.dim_users') }} as u on u.user_id = f.user_id
