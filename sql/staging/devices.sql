/*
key: staging.devices
group: staging
description: bronze.devices parsed once per day into typed fields (the struct j), so history windows downstream read columns instead of re-parsing JSON.
partitions: { daily: { start: "2026-01-01" } }
*/
-- Only the fields silver reads; bronze keeps the full payload byte for byte.
SELECT
  _topic,
  _partition,
  _offset,
  json_transform(payload, '{
    "event_id": "VARCHAR", "event_time": "VARCHAR", "bot_score": "DOUBLE",
    "device_id": "VARCHAR", "is_bot": "BOOLEAN", "is_emulator": "BOOLEAN",
    "session_id": "VARCHAR", "user_id": "VARCHAR"
  }') AS j
FROM {{ ref('bronze.devices') }}
ORDER BY _partition, _offset
