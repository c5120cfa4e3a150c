/*
key: gold.revenue_daily
group: gold
description: Daily revenue KPIs by shipping country, currency, payment method and amount tier.
partitions: { daily: { start: "2026-01-01" } }
tests:
  - unique: [shipping_country, currency, payment_method, amount_tier]
  - not_null: [event_date, currency, payment_method, amount_tier, total_orders, gmv]
  - accepted_values: { column: amount_tier, values: [micro, small, medium, large, xlarge] }
*/
-- Money stays in its own currency (DECIMAL, so sums are exact and the file is reproducible);
-- the amount tier comes from silver, cut on the USD value.
-- GMV counts every order placed; net revenue counts paid orders less their refunds so far.
SELECT
  DATE '{{ partition }}' AS event_date,
  shipping_country,
  currency,
  payment_method,
  amount_tier,
  CAST(count(*) AS INTEGER) AS total_orders,
  CAST(sum(amount) AS DECIMAL(18, 2)) AS gmv,
  CAST(
    coalesce(sum(amount - refunded_amount) FILTER (WHERE payment_status = 'SUCCEEDED'), 0)
    AS DECIMAL(18, 2)
  ) AS net_revenue,
  CAST(coalesce(sum(amount) FILTER (WHERE is_fraud), 0) AS DECIMAL(18, 2)) AS fraud_amount,
  CAST(count(*) FILTER (WHERE is_fraud) AS INTEGER) AS fraud_orders,
  CAST(count(*) FILTER (WHERE payment_status IN ('DECLINED', 'FAILED')) AS INTEGER)
    AS failed_payments,
  CAST(count(DISTINCT user_id) AS INTEGER) AS unique_customers,
  round(count(*) FILTER (WHERE is_fraud) / count(*), 6) AS fraud_rate,
  round(count(*) FILTER (WHERE payment_status IN ('DECLINED', 'FAILED')) / count(*), 6)
    AS payment_failure_rate,
  CAST(round(avg(amount), 2) AS DECIMAL(18, 2)) AS avg_order_value,
  CAST(round(quantile_cont(CAST(amount AS DOUBLE), 0.5), 2) AS DECIMAL(18, 2))
    AS median_order_value,
  CAST(round(quantile_cont(CAST(amount AS DOUBLE), 0.95), 2) AS DECIMAL(18, 2))
    AS p95_order_value
FROM {{ ref('silver.orders_enriched') }}
GROUP BY shipping_country, currency, payment_method, amount_tier
ORDER BY shipping_country, currency, payment_method, amount_tier
