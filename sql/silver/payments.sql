/*
key: silver.payments
group: silver
description: Typed payment events of the day, one row per event; a PENDING payment's settlement arrives as a later event with the same payment_id.
partitions: { daily: { start: "2026-01-01" } }
tests:
  - not_null: [event_id, payment_id, order_id, status, event_time]
  - unique: event_id
  - accepted_values: { column: status, values: [PENDING, SUCCEEDED, DECLINED, FAILED, CHARGEBACK] }
*/
SELECT DISTINCT ON (j.event_id)
  j.event_id AS event_id,
  j.payment_id AS payment_id,
  j.order_id AS order_id,
  j.user_id AS user_id,
  j.status AS status,
  CAST(j.event_time AS TIMESTAMPTZ) AS event_time,
  CAST('{{ partition }}' AS DATE) AS event_date
FROM {{ ref('staging.payments') }}
ORDER BY j.event_id
