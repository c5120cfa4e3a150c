/*
key: staging.orders
group: staging
description: bronze.orders parsed once per day into typed fields (the struct j), so history windows downstream read columns instead of re-parsing JSON.
partitions: { daily: { start: "2026-01-01" } }
*/
-- Only the fields silver reads; bronze keeps the full payload byte for byte.
SELECT
  _topic,
  _partition,
  _offset,
  json_transform(payload, '{
    "event_time": "VARCHAR", "amount": "DOUBLE", "billing_country": "VARCHAR",
    "channel": "VARCHAR", "currency": "VARCHAR", "device_id": "VARCHAR",
    "fraud_pattern": "VARCHAR", "ip_address": "VARCHAR", "is_fraud": "BOOLEAN",
    "merchant_category": "VARCHAR", "order_id": "VARCHAR", "payment_method": "VARCHAR",
    "session_id": "VARCHAR", "shipping_country": "VARCHAR", "user_id": "VARCHAR"
  }') AS j
FROM {{ ref('bronze.orders') }}
ORDER BY _partition, _offset
