/*
key: reference.orders_enriched_window
group: reference
description: silver.orders_enriched as it was computed before silver.user_activity - every history feature a window function over 31 days of staging - kept for the test that the per-user day state gives the same bytes.
partitions: { daily: { start: "2026-01-01" } }
deps:
  staging.orders: { mapping: window, days: 31 }
  staging.payments: { mapping: window, days: 31 }
  staging.devices: { mapping: window, days: 31 }
  staging.geo_events: { mapping: window, days: 31 }
  staging.refunds: { mapping: window, days: 31 }
  staging.users: { mapping: window, days: 31 }
  silver.users: { mapping: window, days: 2 }
*/
-- Point in time: every history feature is a window over the user's timeline that ends just
-- before the order (EXCLUDE GROUP drops the order and anything at the same instant), so a later
-- event can never reach an earlier order. 31 upstream days cover a full 30x24h look-back.
-- Outcome columns (payment_status, refunds) are as of the end of the day and are not features.
WITH
orders AS (
  SELECT
    j.order_id AS order_id,
    CAST(j.event_time AS TIMESTAMPTZ) AS order_ts,
    j.user_id AS user_id,
    j.session_id AS session_id,
    j.device_id AS device_id,
    j.ip_address AS ip_address,
    CAST(j.amount AS DECIMAL(18, 2)) AS amount,
    j.currency AS currency,
    j.payment_method AS payment_method,
    j.merchant_category AS merchant_category,
    j.channel AS channel,
    j.billing_country AS billing_country,
    j.shipping_country AS shipping_country,
    j.is_fraud AS is_fraud,
    j.fraud_pattern AS fraud_pattern
  FROM (
    SELECT _topic, _partition, _offset, j
    FROM {{ ref('staging.orders') }}
  )
  -- An order delivered twice is one order: keep its first copy.
  QUALIFY row_number() OVER (PARTITION BY j.order_id ORDER BY _topic, _partition, _offset) = 1
),
orders_usd AS (
  SELECT o.*, round(CAST(o.amount AS DOUBLE) / CAST(fx.units_per_usd AS DOUBLE), 4) AS amount_usd
  FROM orders o
  JOIN {{ ref('seeds.fx_rates') }} fx USING (currency)
),
-- The day's orders, and the users they belong to: history is computed for these users only
-- (each window is per user, so nobody else's events can change a feature).
day_orders AS (
  SELECT * FROM orders_usd
  WHERE order_ts >= TIMESTAMPTZ '{{ partition_start }}'
    AND order_ts < TIMESTAMPTZ '{{ partition_end }}'
),
day_users AS (
  SELECT DISTINCT user_id FROM day_orders
),
payments AS (
  SELECT DISTINCT ON (j.event_id)
    j.event_id AS event_id,
    CAST(j.event_time AS TIMESTAMPTZ) AS ts,
    j.order_id AS order_id,
    j.user_id AS user_id,
    j.status AS status,
    j.card_bin AS card_bin,
    j.is_3ds_authenticated AS is_3ds_authenticated,
    j.provider_risk_score AS provider_risk_score
  FROM (
    SELECT j
    FROM {{ ref('staging.payments') }}
  )
),
-- The checkout attempt carries the provider's verdict; the last event carries the outcome.
payment_of_order AS (
  SELECT
    order_id,
    arg_min(provider_risk_score, (ts, event_id)) AS payment_risk_score,
    arg_min(is_3ds_authenticated, (ts, event_id)) AS is_3ds_authenticated,
    arg_min(card_bin, (ts, event_id)) AS card_bin,
    arg_max(status, (ts, event_id)) AS payment_status
  FROM payments
  WHERE order_id IN (SELECT order_id FROM day_orders)
  GROUP BY order_id
),
refunds AS (
  SELECT DISTINCT ON (j.event_id)
    j.event_id AS event_id,
    CAST(j.event_time AS TIMESTAMPTZ) AS ts,
    j.order_id AS order_id,
    j.user_id AS user_id,
    CAST(j.amount AS DECIMAL(18, 2)) AS amount,
    j.reason AS reason,
    j.status AS status
  FROM (
    SELECT j
    FROM {{ ref('staging.refunds') }}
  )
),
refunds_of_order AS (
  SELECT order_id, sum(amount) AS refunded_amount, count(*) AS refund_count
  FROM refunds
  WHERE status <> 'REJECTED' AND order_id IN (SELECT order_id FROM day_orders)
  GROUP BY order_id
),
devices AS (
  SELECT DISTINCT ON (j.event_id)
    CAST(j.event_time AS TIMESTAMPTZ) AS ts,
    j.user_id AS user_id,
    j.session_id AS session_id,
    j.device_id AS device_id,
    j.is_bot OR j.is_emulator OR j.bot_score >= 0.8 AS bot_detected
  FROM (
    SELECT j
    FROM {{ ref('staging.devices') }}
  )
),
geo AS (
  SELECT DISTINCT ON (j.event_id)
    j.event_id AS event_id,
    CAST(j.event_time AS TIMESTAMPTZ) AS ts,
    j.user_id AS user_id,
    j.session_id AS session_id,
    j.ip_country AS ip_country,
    j.latitude AS latitude,
    j.longitude AS longitude,
    j.is_vpn AS is_vpn,
    j.is_proxy AS is_proxy,
    j.is_tor AS is_tor
  FROM (
    SELECT j
    FROM {{ ref('staging.geo_events') }}
  )
),
-- Each geo event against the user's previous one: great-circle distance and implied speed.
geo_travel AS (
  SELECT
    g.*,
    2 * 6371 * asin(sqrt(
      pow(sin(radians(g.latitude - g.prev_latitude) / 2), 2) +
      cos(radians(g.prev_latitude)) * cos(radians(g.latitude)) *
      pow(sin(radians(g.longitude - g.prev_longitude) / 2), 2)
    )) AS travel_distance_km,
    -- One second at least: two sightings at the same instant must not divide by zero.
    greatest(epoch(g.ts) - epoch(g.prev_ts), 1) / 3600.0 AS travel_hours
  FROM (
    SELECT
      *,
      lag(latitude) OVER w AS prev_latitude,
      lag(longitude) OVER w AS prev_longitude,
      lag(ts) OVER w AS prev_ts
    FROM geo
    WHERE user_id IN (SELECT user_id FROM day_users)
    WINDOW w AS (PARTITION BY user_id ORDER BY ts, event_id)
  ) g
),
profiles AS (
  SELECT DISTINCT ON (j.event_id)
    CAST(j.event_time AS TIMESTAMPTZ) AS ts,
    j.user_id AS user_id,
    CAST(j.account_created_at AS TIMESTAMPTZ) AS account_created_at,
    j.email_domain AS email_domain
  FROM (
    SELECT j
    FROM {{ ref('staging.users') }}
  )
),
-- Yesterday's snapshot holds users whose last profile event is older than the window above.
known_users AS (
  SELECT user_id, account_created_at, email_domain
  FROM {{ ref('silver.users') }}
  WHERE as_of_date < DATE '{{ partition }}'
  QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY as_of_date DESC) = 1
),
-- One timeline per user: orders, chargebacks, refunds and device sightings.
timeline AS (
  SELECT * FROM (
    SELECT user_id, order_ts AS ts, 'order' AS kind, order_id, amount_usd, device_id,
           NULL AS refund_reason
    FROM orders_usd
    UNION ALL
    SELECT user_id, ts, 'chargeback', NULL, NULL, NULL, NULL FROM payments
    WHERE status = 'CHARGEBACK'
    UNION ALL
    SELECT user_id, ts, 'refund', NULL, NULL, NULL, reason FROM refunds
    UNION ALL
    SELECT user_id, ts, 'device', NULL, NULL, device_id, NULL FROM devices
  )
  WHERE user_id IN (SELECT user_id FROM day_users)
    AND ts < TIMESTAMPTZ '{{ partition_end }}'
),
history AS (
  SELECT
    order_id,
    count(*) FILTER (WHERE kind = 'order') OVER w1h AS velocity_1h,
    count(*) FILTER (WHERE kind = 'order') OVER w24h AS velocity_24h,
    count(*) FILTER (WHERE kind = 'order') OVER w7d AS velocity_7d,
    count(*) FILTER (WHERE kind = 'order') OVER w30d AS prior_orders_30d,
    avg(amount_usd) FILTER (WHERE kind = 'order') OVER w30d AS user_avg_usd,
    quantile_cont(amount_usd, 0.95) FILTER (WHERE kind = 'order') OVER w30d AS user_p95_usd,
    count(*) FILTER (WHERE kind = 'chargeback') OVER w30d AS chargeback_count,
    count(*) FILTER (WHERE kind = 'refund') OVER w30d AS refund_count_30d,
    count(*) FILTER (
      WHERE kind = 'refund' AND refund_reason IN ('item_not_received', 'not_as_described')
    ) OVER w30d AS fraud_refund_count,
    count(DISTINCT device_id) OVER w30d AS device_count_30d,
    kind
  FROM timeline
  WINDOW
    w1h AS (PARTITION BY user_id ORDER BY ts
      RANGE BETWEEN INTERVAL 1 HOUR PRECEDING AND CURRENT ROW EXCLUDE GROUP),
    w24h AS (PARTITION BY user_id ORDER BY ts
      RANGE BETWEEN INTERVAL 24 HOURS PRECEDING AND CURRENT ROW EXCLUDE GROUP),
    w7d AS (PARTITION BY user_id ORDER BY ts
      RANGE BETWEEN INTERVAL 7 DAYS PRECEDING AND CURRENT ROW EXCLUDE GROUP),
    w30d AS (PARTITION BY user_id ORDER BY ts
      RANGE BETWEEN INTERVAL 30 DAYS PRECEDING AND CURRENT ROW EXCLUDE GROUP)
),
country_risk AS (
  SELECT country, risk_score, is_high_risk FROM {{ ref('seeds.country_risk') }}
),
-- The session's context as of the order: its latest device and geo sighting and the profile
-- from the last users event, each strictly before the order (one at the same instant may be
-- the order's own aftermath), the profile else from yesterday's snapshot.
in_context AS (
  SELECT
    o.*,
    d.bot_detected,
    g.ip_country, g.is_vpn, g.is_proxy, g.is_tor,
    CASE WHEN g.prev_ts IS NOT NULL THEN g.travel_distance_km END AS travel_distance_km,
    CASE WHEN g.prev_ts IS NOT NULL THEN g.travel_distance_km / g.travel_hours END
      AS travel_speed_kmh
  FROM day_orders o
  ASOF LEFT JOIN devices d ON o.session_id = d.session_id AND o.order_ts > d.ts
  ASOF LEFT JOIN geo_travel g ON o.session_id = g.session_id AND o.order_ts > g.ts
),
with_profile AS (
  SELECT
    c.*,
    coalesce(p.account_created_at, k.account_created_at) AS account_created_at,
    coalesce(p.email_domain, k.email_domain) AS email_domain
  FROM in_context c
  ASOF LEFT JOIN profiles p ON c.user_id = p.user_id AND c.order_ts > p.ts
  LEFT JOIN known_users k ON c.user_id = k.user_id
),
scored AS (
  SELECT
    w.*,
    h.velocity_1h, h.velocity_24h, h.velocity_7d, h.prior_orders_30d, h.user_avg_usd,
    h.user_p95_usd, h.chargeback_count, h.refund_count_30d, h.fraud_refund_count,
    h.device_count_30d,
    pay.payment_risk_score, pay.is_3ds_authenticated, pay.card_bin, pay.payment_status,
    r.refunded_amount, r.refund_count,
    greatest(
      coalesce(bill.risk_score, 0.5), coalesce(ship.risk_score, 0.5),
      CASE WHEN w.ip_country IS NULL THEN 0 ELSE coalesce(ip.risk_score, 0.5) END
    ) AS country_risk_score,
    coalesce(ship.is_high_risk, false) OR coalesce(ip.is_high_risk, false) AS high_risk_country
  FROM with_profile w
  JOIN history h ON h.order_id = w.order_id AND h.kind = 'order'
  LEFT JOIN payment_of_order pay ON pay.order_id = w.order_id
  LEFT JOIN refunds_of_order r ON r.order_id = w.order_id
  LEFT JOIN country_risk bill ON bill.country = w.billing_country
  LEFT JOIN country_risk ship ON ship.country = w.shipping_country
  LEFT JOIN country_risk ip ON ip.country = w.ip_country
)
SELECT
  order_id,
  CAST(order_ts AT TIME ZONE 'UTC' AS DATE) AS event_date,
  order_ts,
  user_id,
  session_id,
  device_id,
  ip_address,
  amount,
  currency,
  -- The one definition of the amount tier gold groups by: cut on the USD value, so one tier
  -- means the same spend in every currency.
  CASE
    WHEN amount_usd < 25 THEN 'micro'
    WHEN amount_usd < 100 THEN 'small'
    WHEN amount_usd < 500 THEN 'medium'
    WHEN amount_usd < 2000 THEN 'large'
    ELSE 'xlarge'
  END AS amount_tier,
  payment_method,
  merchant_category,
  channel,
  billing_country,
  shipping_country,
  ip_country,
  email_domain,
  card_bin,
  payment_status,
  CAST(coalesce(refunded_amount, 0) AS DECIMAL(18, 2)) AS refunded_amount,
  CAST(coalesce(refund_count, 0) AS INTEGER) AS refund_count,
  CAST(prior_orders_30d AS INTEGER) AS prior_orders_30d,
  round(travel_speed_kmh, 3) AS travel_speed_kmh,
  round(travel_distance_km, 3) AS travel_distance_km,
  CAST(velocity_1h AS INTEGER) AS velocity_1h,
  CAST(velocity_24h AS INTEGER) AS velocity_24h,
  CAST(velocity_7d AS INTEGER) AS velocity_7d,
  amount_usd,
  round(CASE WHEN user_avg_usd > 0 THEN amount_usd / user_avg_usd ELSE 1 END, 6)
    AS amount_vs_user_avg,
  round(CASE WHEN user_p95_usd > 0 THEN amount_usd / user_p95_usd ELSE 1 END, 6)
    AS amount_vs_user_p95,
  round(CASE
    WHEN account_created_at IS NULL THEN 0
    ELSE greatest(epoch(order_ts) - epoch(account_created_at), 0) / 86400.0
  END, 6) AS account_age_days,
  CAST(chargeback_count AS INTEGER) AS chargeback_count,
  round(CASE WHEN prior_orders_30d > 0 THEN chargeback_count / prior_orders_30d ELSE 0 END, 6)
    AS chargeback_rate,
  CAST(refund_count_30d AS INTEGER) AS refund_count_30d,
  CAST(fraud_refund_count AS INTEGER) AS fraud_refund_count,
  CAST(coalesce(is_vpn, false) AS INTEGER) AS vpn_detected,
  CAST(coalesce(is_proxy, false) AS INTEGER) AS proxy_detected,
  CAST(coalesce(is_tor, false) AS INTEGER) AS tor_detected,
  CAST(coalesce(bot_detected, false) AS INTEGER) AS bot_detected,
  CAST(device_count_30d AS INTEGER) AS device_count_30d,
  CAST(
    billing_country <> shipping_country OR coalesce(ip_country <> billing_country, false)
    AS INTEGER
  ) AS geo_mismatch,
  CAST(high_risk_country AS INTEGER) AS is_high_risk_country,
  CAST(country_risk_score AS DOUBLE) AS country_risk_score,
  CAST(coalesce(payment_risk_score, 0) AS DOUBLE) AS payment_risk_score,
  CAST(coalesce(is_3ds_authenticated, false) AS INTEGER) AS is_3ds_authenticated,
  CAST(CASE
    WHEN greatest(coalesce(payment_risk_score, 0), country_risk_score) >= 0.7 THEN 2
    WHEN greatest(coalesce(payment_risk_score, 0), country_risk_score) >= 0.3 THEN 1
    ELSE 0
  END AS INTEGER) AS risk_tier_encoded,
  CAST(hour(order_ts AT TIME ZONE 'UTC') AS INTEGER) AS hour_of_day,
  CAST(isodow(order_ts AT TIME ZONE 'UTC') AS INTEGER) AS day_of_week,
  CAST(isodow(order_ts AT TIME ZONE 'UTC') >= 6 AS INTEGER) AS is_weekend,
  is_fraud,
  fraud_pattern
FROM scored
ORDER BY order_ts, order_id
