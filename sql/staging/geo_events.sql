/*
key: staging.geo_events
group: staging
description: bronze.geo_events parsed once per day into typed fields (the struct j), so history windows downstream read columns instead of re-parsing JSON.
partitions: { daily: { start: "2026-01-01" } }
*/
-- Only the fields silver reads; bronze keeps the full payload byte for byte.
SELECT
  _topic,
  _partition,
  _offset,
  json_transform(payload, '{
    "event_id": "VARCHAR", "event_time": "VARCHAR", "ip_country": "VARCHAR",
    "is_proxy": "BOOLEAN", "is_tor": "BOOLEAN", "is_vpn": "BOOLEAN",
    "latitude": "DOUBLE", "longitude": "DOUBLE", "session_id": "VARCHAR",
    "user_id": "VARCHAR"
  }') AS j
FROM {{ ref('bronze.geo_events') }}
ORDER BY _partition, _offset
