/*
key: gold.fraud_summary
group: gold
description: Daily fraud rates and fraud GMV (in USD), geo mismatches, anonymized orders and refunds by shipping country, payment method and amount tier.
partitions: { daily: { start: "2026-01-01" } }
*/
-- Groups mix currencies, so every amount here is in USD at the fixed rates of seeds.fx_rates.
-- Refunds are those requested for the day's orders by the end of the day.
WITH orders AS (
  SELECT
    *,
    CAST(round(amount_usd, 2) AS DECIMAL(18, 2)) AS gmv_usd,
    CAST(round(CAST(refunded_amount AS DOUBLE) * amount_usd / nullif(CAST(amount AS DOUBLE), 0), 2)
      AS DECIMAL(18, 2)) AS refunded_usd
  FROM {{ ref('silver.orders_enriched') }}
)
SELECT
  DATE '{{ partition }}' AS event_date,
  shipping_country,
  payment_method,
  amount_tier,
  CAST(count(*) AS INTEGER) AS total_orders,
  CAST(count(*) FILTER (WHERE is_fraud) AS INTEGER) AS fraud_orders,
  CAST(coalesce(sum(gmv_usd) FILTER (WHERE is_fraud), 0) AS DECIMAL(18, 2)) AS fraud_gmv_usd,
  CAST(sum(gmv_usd) AS DECIMAL(18, 2)) AS total_gmv_usd,
  round(count(*) FILTER (WHERE is_fraud) / count(*), 6) AS fraud_rate,
  round(
    CAST(coalesce(sum(gmv_usd) FILTER (WHERE is_fraud), 0) AS DOUBLE) /
      nullif(CAST(sum(gmv_usd) AS DOUBLE), 0),
    6
  ) AS fraud_gmv_rate,
  CAST(count(*) FILTER (WHERE geo_mismatch = 1) AS INTEGER) AS geo_mismatch_count,
  CAST(count(*) FILTER (WHERE vpn_detected = 1 OR proxy_detected = 1 OR tor_detected = 1)
    AS INTEGER) AS vpn_orders,
  CAST(sum(refund_count) AS INTEGER) AS total_refunds,
  CAST(coalesce(sum(refunded_usd), 0) AS DECIMAL(18, 2)) AS total_refund_amount_usd,
  CAST(coalesce(sum(refund_count) FILTER (WHERE is_fraud), 0) AS INTEGER) AS fraud_refunds
FROM orders
GROUP BY shipping_country, payment_method, amount_tier
ORDER BY shipping_country, payment_method, amount_tier
