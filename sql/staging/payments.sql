/*
key: staging.payments
group: staging
description: bronze.payments parsed once per day into typed fields (the struct j), so history windows downstream read columns instead of re-parsing JSON.
partitions: { daily: { start: "2026-01-01" } }
*/
-- Only the fields silver reads; bronze keeps the full payload byte for byte.
SELECT
  _topic,
  _partition,
  _offset,
  json_transform(payload, '{
    "event_id": "VARCHAR", "event_time": "VARCHAR", "card_bin": "VARCHAR", "payment_id": "VARCHAR",
    "is_3ds_authenticated": "BOOLEAN", "order_id": "VARCHAR",
    "provider_risk_score": "DOUBLE", "status": "VARCHAR", "user_id": "VARCHAR"
  }') AS j
FROM {{ ref('bronze.payments') }}
ORDER BY _partition, _offset
