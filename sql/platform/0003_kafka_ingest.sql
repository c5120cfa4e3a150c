-- Kafka → bronze, exactly once: each consumed batch registers its Parquet segments and moves its
-- partition's next offset in one transaction. The offset only moves from the value the writer
-- read (compare and set), so two processes can never both commit the same records.
create table platform.kafka_offsets (
  consumer_group text not null,
  kafka_topic text not null,
  kafka_partition integer not null,
  next_offset bigint not null,
  updated_at timestamptz not null default now(),
  primary key (consumer_group, kafka_topic, kafka_partition)
);

-- One row per (batch, event day): the day's accepted and rejected records of offsets
-- [start_offset, end_offset) of one Kafka partition, in the lake at `uri`.
create table platform.kafka_segments (
  segment_id text primary key,
  consumer_group text not null,
  topic text not null,
  kafka_topic text not null,
  kafka_partition integer not null,
  start_offset bigint not null,
  end_offset bigint not null,
  event_date text not null,
  uri text not null,
  rows integer not null,
  rejected integer not null,
  committed_at timestamptz not null default now(),
  check (end_offset > start_offset)
);

create index kafka_segments_by_day on platform.kafka_segments (topic, event_date);
create index kafka_segments_by_partition
  on platform.kafka_segments (consumer_group, kafka_topic, kafka_partition, start_offset);

-- Alerts produced to fraud.alerts: an alert id is sent once, whatever reruns happen.
create table platform.kafka_alerts_sent (
  alert_id text primary key,
  kafka_topic text not null,
  sent_at timestamptz not null default now()
);
