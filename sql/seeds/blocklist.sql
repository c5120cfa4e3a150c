/*
key: seeds.blocklist
group: seeds
description: Identifiers the fraud team has blocked; kind is email_domain, ip_address, device_id, card_bin or user_id.
*/
SELECT kind, value, reason
FROM (VALUES
  ('email_domain', 'mailinator.com', 'disposable mailbox'),
  ('email_domain', 'guerrillamail.com', 'disposable mailbox'),
  ('email_domain', 'tempmail.dev', 'disposable mailbox'),
  ('email_domain', '10minutemail.net', 'disposable mailbox')
) AS t(kind, value, reason)
ORDER BY kind, value
