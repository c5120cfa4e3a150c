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
-- Point in time: every history feature counts the user's events in a window that ends just
-- before the order (an event at the order's instant is left out), so a later event can never
-- reach an earlier order. The history comes from silver.user_activity, one compact row per user
-- and day, not from 30 days of staging: a window of 30x24h before an order of day D covers days
-- D-29..D-1 whole, the part of D-30 after the order's time of day and the part of D before it,
-- so whole days are summed and the two partial days are filtered by time, with the same result
-- as a window over the raw events. Sessions last minutes, so the session's device and geo
-- context comes from the day and the day before. Outcome columns (payment_status, refunds) are
-- as of the end of the day and are not features.
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
day_orders AS (
  SELECT o.*, round(CAST(o.amount AS DOUBLE) / CAST(fx.units_per_usd AS DOUBLE), 4) AS amount_usd
  FROM orders o
  JOIN {{ ref('seeds.fx_rates') }} fx USING (currency)
  WHERE o.order_ts >= TIMESTAMPTZ '{{ partition_start }}'
    AND o.order_ts < TIMESTAMPTZ '{{ partition_end }}'
),
day_users AS (
  SELECT DISTINCT user_id FROM day_orders
),
-- An order's payment and refund events follow it, on its day or later; the day sees its own.
payments AS (
  SELECT DISTINCT ON (j.event_id)
    j.event_id AS event_id,
    CAST(j.event_time AS TIMESTAMPTZ) AS ts,
    j.order_id AS order_id,
    j.card_bin AS card_bin,
    j.is_3ds_authenticated AS is_3ds_authenticated,
    j.provider_risk_score AS provider_risk_score,
    j.status AS status
  FROM {{ ref('staging.payments') }}
  WHERE j.order_id IN (SELECT order_id FROM day_orders)
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
  GROUP BY order_id
),
refunds_of_order AS (
  SELECT order_id, sum(amount) AS refunded_amount, count(*) AS refund_count
  FROM (
    SELECT DISTINCT ON (j.event_id)
      j.order_id AS order_id,
      CAST(j.amount AS DECIMAL(18, 2)) AS amount,
      j.status AS status
    FROM {{ ref('staging.refunds') }}
    WHERE j.order_id IN (SELECT order_id FROM day_orders)
  )
  WHERE status <> 'REJECTED'
  GROUP BY order_id
),
-- Device sightings of the day's sessions; copies of one event are alike, so any one serves.
devices AS (
  SELECT
    CAST(j.event_time AS TIMESTAMPTZ) AS ts,
    j.session_id AS session_id,
    j.is_bot OR j.is_emulator OR j.bot_score >= 0.8 AS bot_detected
  FROM {{ ref('staging.devices') }}
  WHERE j.session_id IN (SELECT session_id FROM day_orders)
),
-- The day's users' activity over the 31 days: D-30..D-1 as history, D for the day itself.
activity AS (
  SELECT * FROM {{ ref('silver.user_activity') }}
  WHERE user_id IN (SELECT user_id FROM day_users)
    AND activity_date BETWEEN DATE '{{ partition }}' - 30 AND DATE '{{ partition }}'
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
      CASE WHEN row_number() OVER w = 1 THEN b.g.latitude ELSE lag(latitude) OVER w END
        AS prev_latitude,
      CASE WHEN row_number() OVER w = 1 THEN b.g.longitude ELSE lag(longitude) OVER w END
        AS prev_longitude,
      CASE WHEN row_number() OVER w = 1 THEN b.g.ts ELSE lag(ts) OVER w END AS prev_ts
    FROM geo
    LEFT JOIN geo_before b USING (user_id)
    WINDOW w AS (PARTITION BY user_id ORDER BY ts, event_id)
  ) g
),
-- The day's profile events, and the last one of each earlier day in the 31.
profiles AS (
  SELECT DISTINCT ON (j.event_id)
    CAST(j.event_time AS TIMESTAMPTZ) AS ts,
    j.user_id AS user_id,
    CAST(j.account_created_at AS TIMESTAMPTZ) AS account_created_at,
    j.email_domain AS email_domain
  FROM {{ ref('staging.users') }}
  WHERE j.user_id IN (SELECT user_id FROM day_users)
  UNION ALL
  SELECT last_profile.ts, user_id, last_profile.account_created_at, last_profile.email_domain
  FROM activity
  WHERE activity_date < DATE '{{ partition }}' AND last_profile IS NOT NULL
),
-- Yesterday's snapshot holds users whose last profile event is older than the window above.
known_users AS (
  SELECT user_id, account_created_at, email_domain
  FROM {{ ref('silver.users') }}
  WHERE as_of_date < DATE '{{ partition }}'
  QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY as_of_date DESC) = 1
),
-- Per user: whole days summed, the partial days' events as lists of times to filter per order.
user_days AS (
  SELECT
    user_id,
    CAST(sum(order_count) FILTER (WHERE activity_date >= DATE '{{ partition }}' - 29
      AND activity_date < DATE '{{ partition }}') AS BIGINT)
      AS orders_29d,
    CAST(sum(order_count) FILTER (WHERE activity_date >= DATE '{{ partition }}' - 6
      AND activity_date < DATE '{{ partition }}') AS BIGINT)
      AS orders_6d,
    sum(order_usd_sum) FILTER (WHERE activity_date >= DATE '{{ partition }}' - 29
      AND activity_date < DATE '{{ partition }}') AS usd_sum_29d,
    flatten(list(order_usd) FILTER (WHERE activity_date >= DATE '{{ partition }}' - 29
      AND activity_date < DATE '{{ partition }}')) AS usd_29d,
    CAST(sum(len(chargeback_ts)) FILTER (WHERE activity_date >= DATE '{{ partition }}' - 29
      AND activity_date < DATE '{{ partition }}') AS BIGINT)
      AS chargebacks_29d,
    CAST(sum(len(refund_ts)) FILTER (WHERE activity_date >= DATE '{{ partition }}' - 29
      AND activity_date < DATE '{{ partition }}') AS BIGINT)
      AS refunds_29d,
    CAST(sum(len(fraud_refund_ts)) FILTER (WHERE activity_date >= DATE '{{ partition }}' - 29
      AND activity_date < DATE '{{ partition }}') AS BIGINT)
      AS fraud_refunds_29d,
    any_value(order_ts) FILTER (WHERE activity_date = DATE '{{ partition }}' - 1) AS d1_order_ts,
    any_value(order_ts) FILTER (WHERE activity_date = DATE '{{ partition }}' - 7) AS d7_order_ts,
    any_value(order_ts) FILTER (WHERE activity_date = DATE '{{ partition }}' - 30)
      AS d30_order_ts,
    any_value(order_usd) FILTER (WHERE activity_date = DATE '{{ partition }}' - 30)
      AS d30_order_usd,
    any_value(chargeback_ts) FILTER (WHERE activity_date = DATE '{{ partition }}' - 30)
      AS d30_chargeback_ts,
    any_value(refund_ts) FILTER (WHERE activity_date = DATE '{{ partition }}' - 30)
      AS d30_refund_ts,
    any_value(fraud_refund_ts) FILTER (WHERE activity_date = DATE '{{ partition }}' - 30)
      AS d30_fraud_refund_ts,
    any_value(order_ts) FILTER (WHERE activity_date = DATE '{{ partition }}') AS own_order_ts,
    any_value(order_usd) FILTER (WHERE activity_date = DATE '{{ partition }}') AS own_order_usd,
    any_value(chargeback_ts) FILTER (WHERE activity_date = DATE '{{ partition }}')
      AS own_chargeback_ts,
    any_value(refund_ts) FILTER (WHERE activity_date = DATE '{{ partition }}') AS own_refund_ts,
    any_value(fraud_refund_ts) FILTER (WHERE activity_date = DATE '{{ partition }}')
      AS own_fraud_refund_ts
  FROM activity
  GROUP BY user_id
),
-- The p95 of a window of n amounts interpolates between its (n - floor(0.95 (n - 1)))-th and
-- (n - ceil(0.95 (n - 1)))-th largest; the most an order of the day can need from the whole
-- days is their top (n_max - floor(0.95 (n_max - 1))), n_max counting every amount it might see.
user_history AS (
  SELECT
    u.*,
    list_slice(
      list_sort(coalesce(usd_29d, []), 'DESC'),
      1,
      n_max - CAST(floor(CAST(greatest(n_max - 1, 0) AS DOUBLE) * CAST(0.95 AS DOUBLE)) AS BIGINT)
    ) AS top_usd_29d
  FROM (
    SELECT
      *,
      coalesce(orders_29d, 0) + coalesce(len(d30_order_ts), 0) + coalesce(len(own_order_ts), 0)
        AS n_max
    FROM user_days
  ) u
),
-- Devices over the 31 days: one seen on a whole day counts for every order of the day; one
-- seen only on D-30 or D counts while its last D-30 sighting is within 30 days or once its
-- first sighting of D is past.
device_days AS (
  SELECT
    user_id,
    device.device_id AS device_id,
    bool_or(activity_date >= DATE '{{ partition }}' - 29
      AND activity_date < DATE '{{ partition }}') AS whole_window,
    max(device.last_ts) FILTER (WHERE activity_date = DATE '{{ partition }}' - 30) AS last_d30,
    min(device.first_ts) FILTER (WHERE activity_date = DATE '{{ partition }}') AS first_own
  FROM (SELECT user_id, activity_date, unnest(devices) AS device FROM activity)
  GROUP BY user_id, device.device_id
),
user_devices AS (
  SELECT
    user_id,
    count(*) FILTER (WHERE whole_window) AS devices_29d,
    list({'last_d30': last_d30, 'first_own': first_own}) FILTER (WHERE NOT whole_window)
      AS edge_devices
  FROM device_days
  GROUP BY user_id
),
history AS (
  SELECT
    order_id,
    velocity_1h,
    velocity_24h,
    velocity_7d,
    prior_orders_30d,
    CASE WHEN prior_orders_30d > 0 THEN CAST(usd_sum_30d AS DOUBLE) / prior_orders_30d END
      AS user_avg_usd,
    CASE
      WHEN prior_orders_30d = 0 THEN NULL
      WHEN p95_rn = floor(p95_rn) THEN p95_desc[prior_orders_30d - CAST(floor(p95_rn) AS BIGINT)]
      ELSE p95_desc[prior_orders_30d - CAST(floor(p95_rn) AS BIGINT)] + (
        p95_desc[prior_orders_30d - CAST(ceil(p95_rn) AS BIGINT)] -
        p95_desc[prior_orders_30d - CAST(floor(p95_rn) AS BIGINT)]
      ) * (p95_rn - floor(p95_rn))
    END AS user_p95_usd,
    chargeback_count,
    refund_count_30d,
    fraud_refund_count,
    device_count_30d
  FROM (
    SELECT
      *,
      CAST(greatest(prior_orders_30d - 1, 0) AS DOUBLE) * CAST(0.95 AS DOUBLE) AS p95_rn,
      list_sort(list_concat(
        top_usd_29d,
        list_filter(coalesce(d30_order_usd, []), (x, i) -> d30_order_ts[i] >= since_30d),
        list_filter(coalesce(own_order_usd, []), (x, i) -> own_order_ts[i] < order_ts)
      ), 'DESC') AS p95_desc
    FROM (
      SELECT
        o.order_id,
        o.order_ts,
        o.order_ts - INTERVAL 30 DAYS AS since_30d,
        h.*,
        len(list_filter(coalesce(h.d1_order_ts, []), x -> x >= o.order_ts - INTERVAL 1 HOUR)) +
          len(list_filter(coalesce(h.own_order_ts, []),
            x -> x >= o.order_ts - INTERVAL 1 HOUR AND x < o.order_ts)) AS velocity_1h,
        len(list_filter(coalesce(h.d1_order_ts, []), x -> x >= o.order_ts - INTERVAL 24 HOURS)) +
          len(list_filter(coalesce(h.own_order_ts, []), x -> x < o.order_ts)) AS velocity_24h,
        len(list_filter(coalesce(h.d7_order_ts, []), x -> x >= o.order_ts - INTERVAL 7 DAYS)) +
          coalesce(h.orders_6d, 0) +
          len(list_filter(coalesce(h.own_order_ts, []), x -> x < o.order_ts)) AS velocity_7d,
        len(list_filter(coalesce(h.d30_order_ts, []), x -> x >= o.order_ts - INTERVAL 30 DAYS)) +
          coalesce(h.orders_29d, 0) +
          len(list_filter(coalesce(h.own_order_ts, []), x -> x < o.order_ts)) AS prior_orders_30d,
        coalesce(list_sum(list_transform(
          list_filter(coalesce(h.d30_order_usd, []),
            (x, i) -> h.d30_order_ts[i] >= o.order_ts - INTERVAL 30 DAYS),
          x -> CAST(x AS DECIMAL(18, 4))
        )), 0) + coalesce(h.usd_sum_29d, 0) + coalesce(list_sum(list_transform(
          list_filter(coalesce(h.own_order_usd, []), (x, i) -> h.own_order_ts[i] < o.order_ts),
          x -> CAST(x AS DECIMAL(18, 4))
        )), 0) AS usd_sum_30d,
        len(list_filter(coalesce(h.d30_chargeback_ts, []),
          x -> x >= o.order_ts - INTERVAL 30 DAYS)) + coalesce(h.chargebacks_29d, 0) +
          len(list_filter(coalesce(h.own_chargeback_ts, []), x -> x < o.order_ts))
          AS chargeback_count,
        len(list_filter(coalesce(h.d30_refund_ts, []), x -> x >= o.order_ts - INTERVAL 30 DAYS)) +
          coalesce(h.refunds_29d, 0) +
          len(list_filter(coalesce(h.own_refund_ts, []), x -> x < o.order_ts)) AS refund_count_30d,
        len(list_filter(coalesce(h.d30_fraud_refund_ts, []),
          x -> x >= o.order_ts - INTERVAL 30 DAYS)) + coalesce(h.fraud_refunds_29d, 0) +
          len(list_filter(coalesce(h.own_fraud_refund_ts, []), x -> x < o.order_ts))
          AS fraud_refund_count,
        coalesce(d.devices_29d, 0) + len(list_filter(coalesce(d.edge_devices, []),
          x -> x.last_d30 >= o.order_ts - INTERVAL 30 DAYS OR x.first_own < o.order_ts))
          AS device_count_30d
      FROM day_orders o
      LEFT JOIN user_history h USING (user_id)
      LEFT JOIN user_devices d USING (user_id)
    )
  )
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
  JOIN history h ON h.order_id = w.order_id
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
