/*
key: silver.order_history
group: silver
description: The 30-day history features of each order of the day (velocities, amount vs the user's average and p95, chargebacks, refunds, devices), from silver.user_activity - one compact row per user and day - instead of 30 days of staging; one row per order (its first copy).
partitions: { daily: { start: "2026-01-01" } }
deps:
  silver.user_activity: { mapping: window, days: 31 }
tests:
  - unique: order_id
  - not_null: [order_id, velocity_1h, prior_orders_30d, device_count_30d]
*/
-- Point in time: every feature counts the user's events in a window that ends just before the
-- order (an event at the order's instant is left out), so a later event can never reach an
-- earlier order. A window of 30x24h before an order of day D covers days D-29..D-1 whole, the
-- part of D-30 after the order's time of day and the part of D before it: whole days are summed
-- from the user's day rows, the two partial days' events are filtered by time, with the same
-- result as a window over the raw events (tests/assets/silver/orders_enriched_history_test.ts).
WITH
orders AS (
  SELECT
    j.order_id AS order_id,
    _partition,
    _offset,
    CAST(j.event_time AS TIMESTAMPTZ) AS order_ts,
    j.user_id AS user_id,
    j.session_id AS session_id,
    CAST(j.amount AS DECIMAL(18, 2)) AS amount,
    j.currency AS currency
  FROM (
    SELECT _topic, _partition, _offset, j
    FROM {{ ref('staging.orders') }}
  )
  -- An order delivered twice is one order: keep its first copy.
  QUALIFY row_number() OVER (PARTITION BY j.order_id ORDER BY _topic, _partition, _offset) = 1
),
day_orders AS (
  SELECT
    o.* EXCLUDE (amount, currency),
    round(CAST(o.amount AS DOUBLE) / CAST(fx.units_per_usd AS DOUBLE), 4) AS amount_usd
  FROM orders o
  JOIN {{ ref('seeds.fx_rates') }} fx USING (currency)
  WHERE o.order_ts >= TIMESTAMPTZ '{{ partition_start }}'
    AND o.order_ts < TIMESTAMPTZ '{{ partition_end }}'
),
day_users AS (
  SELECT DISTINCT user_id FROM day_orders
),
-- The day's users' activity over the 31 days: D-30..D-1 as history, D for the day itself.
activity AS NOT MATERIALIZED (
  SELECT * FROM {{ ref('silver.user_activity') }}
  WHERE user_id IN (SELECT user_id FROM day_users)
    AND activity_date BETWEEN DATE '{{ partition }}' - 30 AND DATE '{{ partition }}'
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
)
SELECT
  -- The order's place in the day, by time then id: a small key for the joins downstream.
  row_number() OVER (ORDER BY o.order_ts, o.order_id) AS order_seq,
  o.order_id,
  o._partition,
  o._offset,
  o.order_ts,
  o.user_id,
  o.session_id,
  o.amount_usd,
  CAST(h.velocity_1h AS INTEGER) AS velocity_1h,
  CAST(h.velocity_24h AS INTEGER) AS velocity_24h,
  CAST(h.velocity_7d AS INTEGER) AS velocity_7d,
  CAST(h.prior_orders_30d AS INTEGER) AS prior_orders_30d,
  h.user_avg_usd,
  h.user_p95_usd,
  CAST(h.chargeback_count AS INTEGER) AS chargeback_count,
  CAST(h.refund_count_30d AS INTEGER) AS refund_count_30d,
  CAST(h.fraud_refund_count AS INTEGER) AS fraud_refund_count,
  CAST(h.device_count_30d AS INTEGER) AS device_count_30d
FROM day_orders o
JOIN history h USING (order_id)
ORDER BY o.order_ts, o.order_id
