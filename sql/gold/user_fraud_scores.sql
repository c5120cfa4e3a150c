/*
key: gold.user_fraud_scores
group: gold
description: Each user's 30-day risk as of the day, a composite score in [0, 1] and a low / medium / high label.
partitions: { daily: { start: "2026-01-01" } }
deps:
  silver.orders_enriched: { mapping: window, days: 30 }
tests:
  - unique: user_id
  - accepted_values: { column: risk_label, values: [low, medium, high] }
*/
-- The composite is built from features only; the label (is_fraud) is reported beside it as
-- ground truth, never mixed into it, so the score can be judged against it honestly.
-- Weights: payment risk 0.30, anonymized share 0.20, geo mismatch share 0.15,
-- velocity 0.15, amount deviation 0.10, chargebacks 0.10.
WITH per_user AS (
  SELECT
    user_id,
    count(*) AS orders_30d,
    count(*) FILTER (WHERE is_fraud) AS fraud_count_30d,
    avg(payment_risk_score) AS avg_risk_score,
    avg(velocity_24h) AS avg_velocity_24h,
    count(*) FILTER (WHERE vpn_detected = 1 OR proxy_detected = 1 OR tor_detected = 1)
      AS vpn_sessions_30d,
    count(*) FILTER (WHERE geo_mismatch = 1) AS geo_mismatches_30d,
    avg(amount_vs_user_avg) AS avg_amount_deviation,
    max(chargeback_count) AS chargebacks_30d
  FROM {{ ref('silver.orders_enriched') }}
  WHERE order_ts < TIMESTAMPTZ '{{ partition_end }}'
  GROUP BY user_id
),
scored AS (
  SELECT
    *,
    least(1, greatest(0,
      0.30 * avg_risk_score
      + 0.20 * vpn_sessions_30d / orders_30d
      + 0.15 * geo_mismatches_30d / orders_30d
      + 0.15 * least(avg_velocity_24h / 10, 1)
      + 0.10 * least(greatest(avg_amount_deviation - 1, 0) / 5, 1)
      + 0.10 * least(chargebacks_30d / 3, 1)
    )) AS composite
  FROM per_user
)
SELECT
  DATE '{{ partition }}' AS as_of_date,
  user_id,
  CAST(orders_30d AS INTEGER) AS orders_30d,
  CAST(fraud_count_30d AS INTEGER) AS fraud_count_30d,
  round(avg_risk_score, 6) AS avg_risk_score,
  round(avg_velocity_24h, 6) AS avg_velocity_24h,
  CAST(vpn_sessions_30d AS INTEGER) AS vpn_sessions_30d,
  CAST(geo_mismatches_30d AS INTEGER) AS geo_mismatches_30d,
  round(avg_amount_deviation, 6) AS avg_amount_deviation,
  round(fraud_count_30d / orders_30d, 6) AS user_fraud_rate,
  round(composite, 6) AS composite_risk_score,
  CASE WHEN composite >= 0.5 THEN 'high' WHEN composite >= 0.25 THEN 'medium' ELSE 'low' END
    AS risk_label
FROM scored
ORDER BY user_id
