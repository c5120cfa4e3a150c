/*
key: silver.orders_enriched
group: silver
description: One row per order of the day with its payment, device, geo and profile context, the 25 model features of models/features.ts and the fraud label.
partitions: { daily: { start: "2026-01-01" } }
deps:
  staging.devices: { mapping: window, days: 2 }
  staging.geo_events: { mapping: window, days: 2 }
  silver.users: { mapping: window, days: 2 }
  silver.user_activity: { mapping: window, days: 31 }
*/
-- Point in time: every feature uses only events strictly before the order (one at the same
-- instant may be the order's own aftermath), so a later event can never reach an earlier order.
-- The 30-day history features come from silver.order_history, which reads them from the users'
-- day rows (silver.user_activity), not from 30 days of staging. Sessions last minutes, so the
-- session's device and geo context comes from the day and the day before. Outcome columns
-- (payment_status, refunds) are as of the end of the day and are not features.
WITH
-- The day's orders (each one's first copy) with their history features; the order's other
-- columns join at the end (scored), so no wide row is held while the context is computed.
day_orders AS (
  SELECT * FROM {{ ref('silver.order_history') }}
),
day_users AS (
  SELECT DISTINCT user_id FROM day_orders
),
-- An order's payment and refund events follow it, on its day or later; the day sees its own.
-- Copies of one event are alike, so the first and the last attempt need no deduplication.
payments AS (
  SELECT
    o.order_seq,
    p.j.event_id AS event_id,
    CAST(p.j.event_time AS TIMESTAMPTZ) AS ts,
    p.j.card_bin AS card_bin,
    p.j.is_3ds_authenticated AS is_3ds_authenticated,
    p.j.provider_risk_score AS provider_risk_score,
    p.j.status AS status
  FROM {{ ref('staging.payments') }} p
  JOIN day_orders o ON o.order_id = p.j.order_id
),
-- The checkout attempt carries the provider's verdict; the last event carries the outcome.
payment_of_order AS (
  SELECT
    order_seq,
    first_attempt.provider_risk_score AS payment_risk_score,
    first_attempt.is_3ds_authenticated AS is_3ds_authenticated,
    card_bin,
    payment_status
  FROM (
    SELECT
      order_seq,
      arg_min(
        {'provider_risk_score': provider_risk_score, 'is_3ds_authenticated': is_3ds_authenticated},
        (ts, event_id)
      ) AS first_attempt,
      -- The first attempt that names a card (arg_min passes over NULL).
      arg_min(card_bin, (ts, event_id)) AS card_bin,
      arg_max(status, (ts, event_id)) AS payment_status
    FROM payments
    GROUP BY order_seq
  )
),
refunds_of_order AS (
  SELECT order_seq, sum(amount) AS refunded_amount, count(*) AS refund_count
  FROM (
    SELECT DISTINCT ON (r.j.event_id)
      o.order_seq,
      CAST(r.j.amount AS DECIMAL(18, 2)) AS amount,
      r.j.status AS status
    FROM {{ ref('staging.refunds') }} r
    JOIN day_orders o ON o.order_id = r.j.order_id
  )
  WHERE status <> 'REJECTED'
  GROUP BY order_seq
),
-- Device sightings of the day's sessions; copies of one event are alike, so any one serves.
devices AS (
  SELECT
    j.event_id AS event_id,
    CAST(j.event_time AS TIMESTAMPTZ) AS ts,
    j.session_id AS session_id,
    j.is_bot OR j.is_emulator OR j.bot_score >= 0.8 AS bot_detected
  FROM {{ ref('staging.devices') }}
  WHERE j.session_id IN (SELECT session_id FROM day_orders)
),
-- The day's users' earlier days, for their last geo event and profile before the day.
activity AS NOT MATERIALIZED (
  SELECT user_id, activity_date, last_geo, last_profile FROM {{ ref('silver.user_activity') }}
  WHERE user_id IN (SELECT user_id FROM day_users)
    AND activity_date BETWEEN DATE '{{ partition }}' - 30 AND DATE '{{ partition }}' - 1
),
geo AS (
  SELECT
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
  FROM {{ ref('staging.geo_events') }}
  WHERE j.user_id IN (SELECT user_id FROM day_users)
),
-- The user's last geo event before yesterday, where yesterday's first one travelled from.
geo_before AS (
  SELECT user_id, arg_max(last_geo, (last_geo.ts, last_geo.event_id)) AS g
  FROM activity
  WHERE activity_date <= DATE '{{ partition }}' - 2 AND last_geo IS NOT NULL
  GROUP BY user_id
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
      geo.*,
      coalesce(prev.ts, b.g.ts) AS prev_ts,
      CASE WHEN prev.ts IS NULL THEN b.g.latitude ELSE prev.latitude END AS prev_latitude,
      CASE WHEN prev.ts IS NULL THEN b.g.longitude ELSE prev.longitude END AS prev_longitude
    FROM (
      -- The previous event is the last one ordered before this one's (time, event id): copies
      -- of an event share both, so a copy is never its own predecessor.
      SELECT
        *,
        last_value({'ts': ts, 'latitude': latitude, 'longitude': longitude}) OVER (
          PARTITION BY user_id ORDER BY ts, event_id
          ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE GROUP
        ) AS prev
      FROM geo
    ) geo
    LEFT JOIN geo_before b USING (user_id)
  ) g
),
-- The day's profile events; before them, the last one of the earlier days in the 31.
day_profiles AS (
  SELECT
    j.event_id AS event_id,
    CAST(j.event_time AS TIMESTAMPTZ) AS ts,
    j.user_id AS user_id,
    CAST(j.account_created_at AS TIMESTAMPTZ) AS account_created_at,
    j.email_domain AS email_domain
  FROM {{ ref('staging.users') }}
  WHERE j.user_id IN (SELECT user_id FROM day_users)
),
earlier_profiles AS (
  SELECT user_id, arg_max(last_profile, last_profile.ts) AS profile
  FROM activity
  WHERE activity_date < DATE '{{ partition }}' AND last_profile IS NOT NULL
  GROUP BY user_id
),
-- Yesterday's snapshot holds users whose last profile event is older than the window above.
known_users AS (
  SELECT user_id, account_created_at, email_domain
  FROM {{ ref('silver.users') }}
  WHERE as_of_date < DATE '{{ partition }}'
  QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY as_of_date DESC) = 1
),
country_risk AS (
  SELECT country, risk_score, is_high_risk FROM {{ ref('seeds.country_risk') }}
),
-- The session's context as of the order: its latest device and geo sighting and the profile
-- from the last users event, each strictly before the order (one at the same instant may be
-- the order's own aftermath), the profile else from yesterday's snapshot.
-- The latest sighting strictly before the order, by time then event id, as a join: sessions
-- and users hold few sightings each, so this is cheaper than an ASOF join over them all.
order_device AS (
  SELECT o.order_seq, d.bot_detected
  FROM day_orders o
  JOIN devices d ON d.session_id = o.session_id AND d.ts < o.order_ts
  QUALIFY row_number() OVER (PARTITION BY o.order_seq ORDER BY d.ts DESC, d.event_id DESC) = 1
),
order_geo AS (
  SELECT
    o.order_seq, g.ip_country, g.is_vpn, g.is_proxy, g.is_tor, g.prev_ts, g.travel_distance_km,
    g.travel_hours
  FROM day_orders o
  JOIN geo_travel g ON g.session_id = o.session_id AND g.ts < o.order_ts
  QUALIFY row_number() OVER (PARTITION BY o.order_seq ORDER BY g.ts DESC, g.event_id DESC) = 1
),
order_profile AS (
  SELECT o.order_seq, p.account_created_at, p.email_domain
  FROM day_orders o
  JOIN day_profiles p ON p.user_id = o.user_id AND p.ts < o.order_ts
  QUALIFY row_number() OVER (PARTITION BY o.order_seq ORDER BY p.ts DESC, p.event_id DESC) = 1
),
features AS (
  SELECT
    o.order_seq,
    o._partition,
    o._offset,
    o.amount_usd,
    d.bot_detected,
    g.ip_country, g.is_vpn, g.is_proxy, g.is_tor,
    CASE WHEN g.prev_ts IS NOT NULL THEN g.travel_distance_km END AS travel_distance_km,
    CASE WHEN g.prev_ts IS NOT NULL THEN g.travel_distance_km / g.travel_hours END
      AS travel_speed_kmh,
    -- The profile: the day's last event before the order, else the last one of an earlier day
    -- in the 31, each field else from yesterday's snapshot.
    coalesce(
      CASE WHEN p.order_seq IS NULL THEN e.profile.account_created_at ELSE p.account_created_at END,
      k.account_created_at
    ) AS account_created_at,
    coalesce(
      CASE WHEN p.order_seq IS NULL THEN e.profile.email_domain ELSE p.email_domain END,
      k.email_domain
    ) AS email_domain,
    o.velocity_1h, o.velocity_24h, o.velocity_7d, o.prior_orders_30d, o.user_avg_usd,
    o.user_p95_usd, o.chargeback_count, o.refund_count_30d, o.fraud_refund_count,
    o.device_count_30d,
    pay.payment_risk_score, pay.is_3ds_authenticated, pay.card_bin, pay.payment_status,
    r.refunded_amount, r.refund_count
  FROM day_orders o
  LEFT JOIN order_device d USING (order_seq)
  LEFT JOIN order_geo g USING (order_seq)
  LEFT JOIN order_profile p USING (order_seq)
  LEFT JOIN earlier_profiles e USING (user_id)
  LEFT JOIN known_users k USING (user_id)
  LEFT JOIN payment_of_order pay USING (order_seq)
  LEFT JOIN refunds_of_order r USING (order_seq)
),
-- Each kept copy of a day's order, its columns and its features.
scored AS (
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
    j.fraud_pattern AS fraud_pattern,
    f.* EXCLUDE (_partition, _offset),
    greatest(
      coalesce(bill.risk_score, 0.5), coalesce(ship.risk_score, 0.5),
      CASE WHEN f.ip_country IS NULL THEN 0 ELSE coalesce(ip.risk_score, 0.5) END
    ) AS country_risk_score,
    coalesce(ship.is_high_risk, false) OR coalesce(ip.is_high_risk, false) AS high_risk_country
  FROM {{ ref('staging.orders') }} s
  JOIN features f ON f._partition = s._partition AND f._offset = s._offset
  LEFT JOIN country_risk bill ON bill.country = s.j.billing_country
  LEFT JOIN country_risk ship ON ship.country = s.j.shipping_country
  LEFT JOIN country_risk ip ON ip.country = f.ip_country
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
-- By time then id (order_seq numbers them so).
ORDER BY order_seq
