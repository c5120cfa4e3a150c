/*
key: gold.fraud_alerts
group: gold
description: Rule-based alerts on the day's orders, each with the rules that fired and a score in [0, 1].
partitions: { daily: { start: "2026-01-01" } }
deps:
  silver.orders_enriched: { mapping: window, days: 30 }
tests:
  - unique: order_id
  - not_null: [order_id, user_id, score]
  - name: score_in_unit_interval
    sql: "SELECT order_id, score FROM {{ this }} WHERE score < 0 OR score > 1"
*/
-- Five rules, each with a weight; the score is 1 - prod(1 - weight) over the rules that fired,
-- so it stays in [0, 1], grows with every rule and needs no renormalizing when one is added.
--   high_value        0.5  amount >= 3x the user's 30-day average, after at least 5 orders
--   velocity          0.5  at least 4 earlier orders in the hour (this is the 5th or later)
--   impossible_travel 0.7  > 1000 km/h and > 500 km since the user's previous geo event
--   night_time        0.3  00:00-05:59 UTC while under 10% of >= 5 earlier orders were at night
--   blocklist         0.8  e-mail domain, IP, device, card BIN or user on seeds.blocklist
WITH history AS (
  SELECT
    order_id,
    count(*) OVER w AS earlier_orders,
    count(*) FILTER (WHERE hour_of_day < 6) OVER w AS earlier_night_orders
  FROM {{ ref('silver.orders_enriched') }}
  WINDOW w AS (PARTITION BY user_id ORDER BY order_ts
    RANGE BETWEEN INTERVAL 30 DAYS PRECEDING AND CURRENT ROW EXCLUDE GROUP)
),
blocked AS (SELECT kind, value FROM {{ ref('seeds.blocklist') }}),
day_orders AS (
  SELECT o.*, h.earlier_orders, h.earlier_night_orders
  FROM {{ ref('silver.orders_enriched') }} o
  JOIN history h USING (order_id)
  WHERE o.event_date = DATE '{{ partition }}'
),
flagged AS (
  SELECT
    o.*,
    o.prior_orders_30d >= 5 AND o.amount_vs_user_avg >= 3 AS high_value,
    o.velocity_1h >= 4 AS velocity,
    coalesce(o.travel_speed_kmh > 1000 AND o.travel_distance_km > 500, false)
      AS impossible_travel,
    o.hour_of_day < 6 AND o.earlier_orders >= 5
      AND o.earlier_night_orders < 0.1 * o.earlier_orders AS night_time,
    EXISTS (
      SELECT 1 FROM blocked b
      WHERE (b.kind = 'email_domain' AND b.value = o.email_domain)
        OR (b.kind = 'ip_address' AND b.value = o.ip_address)
        OR (b.kind = 'device_id' AND b.value = o.device_id)
        OR (b.kind = 'card_bin' AND b.value = o.card_bin)
        OR (b.kind = 'user_id' AND b.value = o.user_id)
    ) AS blocklist
  FROM day_orders o
)
SELECT
  event_date,
  order_id,
  user_id,
  order_ts,
  amount,
  currency,
  list_filter([
    CASE WHEN high_value THEN 'high_value' END,
    CASE WHEN velocity THEN 'velocity' END,
    CASE WHEN impossible_travel THEN 'impossible_travel' END,
    CASE WHEN night_time THEN 'night_time' END,
    CASE WHEN blocklist THEN 'blocklist' END
  ], rule -> rule IS NOT NULL) AS rules_fired,
  CAST(high_value AS INTEGER) + CAST(velocity AS INTEGER) + CAST(impossible_travel AS INTEGER)
    + CAST(night_time AS INTEGER) + CAST(blocklist AS INTEGER) AS rule_count,
  round(1 - (1 - 0.5 * CAST(high_value AS INTEGER)) * (1 - 0.5 * CAST(velocity AS INTEGER))
    * (1 - 0.7 * CAST(impossible_travel AS INTEGER)) * (1 - 0.3 * CAST(night_time AS INTEGER))
    * (1 - 0.8 * CAST(blocklist AS INTEGER)), 6) AS score,
  amount_vs_user_avg,
  velocity_1h,
  travel_speed_kmh,
  hour_of_day,
  email_domain
FROM flagged
WHERE high_value OR velocity OR impossible_travel OR night_time OR blocklist
ORDER BY order_ts, order_id
