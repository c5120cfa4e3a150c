/*
key: silver.user_activity
group: silver
description: Each user's activity of the day in compact form (one row per user) - order times and USD amounts, chargeback and refund times, the devices seen with their first and last sighting, the last geo event and the last profile - the per-user day state silver.orders_enriched reads its 30-day history features from instead of 30 days of staging.
partitions: { daily: { start: "2026-01-01" } }
tests:
  - not_null: [activity_date, user_id]
  - unique: user_id
*/
-- Only what a later day's history features need, per user and day: lists stay small (a user's
-- orders of one day) and are ordered, so the file is deterministic. Everything is deduplicated
-- as silver.orders_enriched deduplicates the same events (an order by its first copy, other
-- events by event_id), so a feature computed from these rows counts what it would count from
-- staging. A user's day row exists when any of their events landed that day.
WITH
orders AS (
  SELECT
    j.order_id AS order_id,
    CAST(j.event_time AS TIMESTAMPTZ) AS ts,
    j.user_id AS user_id,
    j.device_id AS device_id,
    CAST(j.amount AS DECIMAL(18, 2)) AS amount,
    j.currency AS currency
  FROM (
    SELECT _topic, _partition, _offset, j
    FROM {{ ref('staging.orders') }}
  )
  QUALIFY row_number() OVER (PARTITION BY j.order_id ORDER BY _topic, _partition, _offset) = 1
),
orders_usd AS (
  SELECT o.*, round(CAST(o.amount AS DOUBLE) / CAST(fx.units_per_usd AS DOUBLE), 4) AS amount_usd
  FROM orders o
  JOIN {{ ref('seeds.fx_rates') }} fx USING (currency)
),
-- Lists are sorted after aggregating (list_sort of structs orders by their fields in turn):
-- an ORDER BY inside the aggregate sorts group by group and cost 20 s on the reference day.
orders_of_user AS (
  SELECT
    user_id,
    list_transform(orders, o -> o.ts) AS order_ts,
    list_transform(orders, o -> o.usd) AS order_usd,
    order_count,
    order_usd_sum
  FROM (
    SELECT
      user_id,
      list_sort(list({'ts': ts, 'order_id': order_id, 'usd': amount_usd})) AS orders,
      CAST(count(*) AS INTEGER) AS order_count,
      -- Exact: every amount has four decimals, so sums over days never drift.
      sum(CAST(amount_usd AS DECIMAL(18, 4))) AS order_usd_sum
    FROM orders_usd
    GROUP BY user_id
  )
),
chargebacks_of_user AS (
  SELECT user_id, list_sort(list(ts)) AS chargeback_ts
  FROM (
    SELECT DISTINCT ON (j.event_id)
      j.user_id AS user_id, CAST(j.event_time AS TIMESTAMPTZ) AS ts, j.status AS status
    FROM {{ ref('staging.payments') }}
  )
  WHERE status = 'CHARGEBACK'
  GROUP BY user_id
),
refunds_of_user AS (
  SELECT
    user_id,
    list_sort(list(ts)) AS refund_ts,
    list_sort(list(ts) FILTER (WHERE reason IN ('item_not_received', 'not_as_described')))
      AS fraud_refund_ts
  FROM (
    SELECT DISTINCT ON (j.event_id)
      j.user_id AS user_id, CAST(j.event_time AS TIMESTAMPTZ) AS ts, j.reason AS reason
    FROM {{ ref('staging.refunds') }}
  )
  GROUP BY user_id
),
-- A device is seen when an order or a device event names it.
sightings AS (
  SELECT user_id, device_id, ts FROM orders_usd
  UNION ALL
  SELECT user_id, device_id, ts FROM (
    SELECT DISTINCT ON (j.event_id)
      j.user_id AS user_id, j.device_id AS device_id, CAST(j.event_time AS TIMESTAMPTZ) AS ts
    FROM {{ ref('staging.devices') }}
  )
),
devices_of_user AS (
  SELECT
    user_id,
    list_sort(list({'device_id': device_id, 'first_ts': first_ts, 'last_ts': last_ts}))
      AS devices
  FROM (
    SELECT user_id, device_id, min(ts) AS first_ts, max(ts) AS last_ts
    FROM sightings
    WHERE device_id IS NOT NULL
    GROUP BY user_id, device_id
  )
  GROUP BY user_id
),
-- The last geo event in the order travel speed uses: by time, then event id.
last_geo_of_user AS (
  SELECT
    user_id,
    arg_max(
      {'ts': ts, 'event_id': event_id, 'latitude': latitude, 'longitude': longitude},
      (ts, event_id)
    ) AS last_geo
  FROM (
    SELECT DISTINCT ON (j.event_id)
      j.event_id AS event_id,
      CAST(j.event_time AS TIMESTAMPTZ) AS ts,
      j.user_id AS user_id,
      j.latitude AS latitude,
      j.longitude AS longitude
    FROM {{ ref('staging.geo_events') }}
  )
  GROUP BY user_id
),
last_profile_of_user AS (
  SELECT
    j.user_id AS user_id,
    arg_max(
      {
        'ts': CAST(j.event_time AS TIMESTAMPTZ),
        'account_created_at': CAST(j.account_created_at AS TIMESTAMPTZ),
        'email_domain': j.email_domain
      },
      (CAST(j.event_time AS TIMESTAMPTZ), _topic, _partition, _offset)
    ) AS last_profile
  FROM {{ ref('staging.users') }}
  GROUP BY j.user_id
),
active_users AS (
  SELECT user_id FROM orders_of_user
  UNION SELECT user_id FROM chargebacks_of_user
  UNION SELECT user_id FROM refunds_of_user
  UNION SELECT user_id FROM devices_of_user
  UNION SELECT user_id FROM last_geo_of_user
  UNION SELECT user_id FROM last_profile_of_user
)
SELECT
  CAST('{{ partition }}' AS DATE) AS activity_date,
  u.user_id,
  o.order_ts,
  o.order_usd,
  coalesce(o.order_count, 0) AS order_count,
  CAST(coalesce(o.order_usd_sum, 0) AS DECIMAL(38, 4)) AS order_usd_sum,
  c.chargeback_ts,
  r.refund_ts,
  r.fraud_refund_ts,
  d.devices,
  g.last_geo,
  p.last_profile
FROM active_users u
LEFT JOIN orders_of_user o USING (user_id)
LEFT JOIN chargebacks_of_user c USING (user_id)
LEFT JOIN refunds_of_user r USING (user_id)
LEFT JOIN devices_of_user d USING (user_id)
LEFT JOIN last_geo_of_user g USING (user_id)
LEFT JOIN last_profile_of_user p USING (user_id)
WHERE u.user_id IS NOT NULL
ORDER BY u.user_id
