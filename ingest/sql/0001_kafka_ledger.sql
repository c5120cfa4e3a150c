-- Kafka → bronze, exactly once: each consumed batch registers its Parquet segments and moves its
-- partition's next offset in one transaction. The offset only moves from the value the writer
-- read (compare and set), so two processes can never both commit the same records.
-- A store that kept these tables in schema platform (before the ingest wing owned them) has them
-- moved here, rows and all.
do $$
begin
  if to_regclass('platform.kafka_offsets') is not null then
    alter table platform.kafka_offsets set schema ingest;
    alter table platform.kafka_segments set schema ingest;
  end if;
end $$;

create table if not exists ingest.kafka_offsets (
  consumer_group text not null,
  kafka_topic text not null,
  kafka_partition integer not null,
  next_offset bigint not null,
  updated_at timestamptz not null default now(),
  primary key (consumer_group, kafka_topic, kafka_partition)
);

-- One row per (batch, event day): the day's accepted and rejected records of offsets
-- [start_offset, end_offset) of one Kafka partition, in the lake at `uri`.
create table if not exists ingest.kafka_segments (
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

create index if not exists kafka_segments_by_day on ingest.kafka_segments (topic, event_date);
create index if not exists kafka_segments_by_partition
  on ingest.kafka_segments (consumer_group, kafka_topic, kafka_partition, start_offset);
