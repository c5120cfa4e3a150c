-- Each send of alerts, recorded before it goes out, so a crash between Kafka's acknowledgement
-- and the commit that records the ids is settled on the next attempt: the batch's Kafka
-- transaction (its own transactional id) is fenced, and its first record tells whether it
-- committed. `first_record` is set once the broker acknowledged the send, before the commit.
create table outbound.alert_batches (
  batch_id text primary key,
  partition_key text not null,
  transactional_id text not null,
  kafka_topic text not null,
  alert_ids text[] not null,
  first_record jsonb,
  state text not null default 'pending' check (state in ('pending', 'sent', 'aborted')),
  created_at timestamptz not null default now(),
  settled_at timestamptz
);
create index alert_batches_pending_idx on outbound.alert_batches (partition_key)
  where state = 'pending';
