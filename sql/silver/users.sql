/*
key: silver.users
group: silver
description: The latest profile of each user as of the end of the day, from a year of profile events.
partitions: { daily: { start: "2026-01-01" } }
deps:
  staging.users: { mapping: window, days: 365 }
*/
-- A profile event says everything about the user, so the newest one before the day ends wins;
-- a user silent for more than the window drops out, and orders then see an unknown account age.
WITH events AS (
  SELECT
    _topic, _partition, _offset,
    j
  FROM {{ ref('staging.users') }}
)
SELECT
  CAST('{{ partition }}' AS DATE) AS as_of_date,
  j.user_id AS user_id,
  CAST(j.account_created_at AS TIMESTAMPTZ) AS account_created_at,
  j.home_country AS home_country,
  j.email_domain AS email_domain,
  j.kyc_status AS kyc_status,
  j.phone_verified AS phone_verified,
  CAST(j.event_time AS TIMESTAMPTZ) AS profile_updated_at,
  j.event_type AS last_event_type
FROM events
WHERE CAST(j.event_time AS TIMESTAMPTZ) < TIMESTAMPTZ '{{ partition_end }}'
QUALIFY row_number() OVER (
  PARTITION BY j.user_id
  ORDER BY CAST(j.event_time AS TIMESTAMPTZ) DESC, _topic DESC, _partition DESC, _offset DESC
) = 1
ORDER BY user_id
