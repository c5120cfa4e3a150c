/*
key: staging.users
group: staging
description: bronze.users parsed once per day into typed fields (the struct j), so history windows downstream read columns instead of re-parsing JSON.
partitions: { daily: { start: "2026-01-01" } }
*/
-- Only the fields silver reads; bronze keeps the full payload byte for byte.
SELECT
  _topic,
  _partition,
  _offset,
  json_transform(payload, '{
    "event_id": "VARCHAR", "event_time": "VARCHAR", "account_created_at": "VARCHAR",
    "email_domain": "VARCHAR", "event_type": "VARCHAR", "home_country": "VARCHAR",
    "kyc_status": "VARCHAR", "phone_verified": "BOOLEAN", "user_id": "VARCHAR"
  }') AS j
FROM {{ ref('bronze.users') }}
ORDER BY _partition, _offset
