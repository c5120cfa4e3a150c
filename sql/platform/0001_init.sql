-- The metadata store: runs, materializations with their lineage, the current pointer per asset
-- partition, leases, check results and source observations. Unpartitioned assets use ''.

create schema if not exists platform;

create table platform.schema_migrations (
  version integer primary key,
  name text not null,
  checksum text not null,
  applied_at timestamptz not null default now()
);

create table platform.runs (
  id text primary key,
  command text not null,
  selection text not null,
  partitions text not null,
  host text not null,
  pid integer not null,
  status text not null default 'running'
    check (status in ('running', 'succeeded', 'failed', 'cancelled')),
  started_at timestamptz not null,
  finished_at timestamptz,
  summary jsonb not null default '{}'
);
-- listRuns() reads the newest runs first.
create index runs_started_at_idx on platform.runs (started_at desc, id desc);

create table platform.run_steps (
  run_id text not null references platform.runs (id) on delete cascade,
  asset_key text not null,
  partition_key text not null,
  -- Keeps the order steps were first recorded in, across repeated recordSteps() calls.
  seq bigint generated always as identity,
  status text not null check (status in ('succeeded', 'failed', 'skipped', 'cancelled')),
  attempts integer not null,
  rows bigint,
  duration_ms bigint not null,
  reason text not null,
  materialization_id text,
  primary key (run_id, asset_key, partition_key)
);

create table platform.run_logs (
  id bigint generated always as identity primary key,
  run_id text not null references platform.runs (id) on delete cascade,
  at timestamptz not null,
  level text not null check (level in ('debug', 'info', 'warn', 'error')),
  message text not null,
  fields jsonb not null default '{}'
);
create index run_logs_run_idx on platform.run_logs (run_id, id);

create table platform.materializations (
  id text primary key,
  -- Breaks ties between materializations committed in the same microsecond.
  seq bigint generated always as identity,
  run_id text not null references platform.runs (id),
  asset_key text not null,
  partition_key text not null,
  data_version text not null,
  code_version text not null,
  input_signature text not null,
  location text not null,
  rows bigint,
  bytes bigint,
  metadata jsonb not null default '{}',
  started_at timestamptz not null,
  committed_at timestamptz not null
);
create index materializations_history_idx
  on platform.materializations (asset_key, partition_key, committed_at desc, seq desc);
create index materializations_run_idx on platform.materializations (run_id);

-- Lineage edges: the upstream partitions (and their data versions) a materialization read.
create table platform.materialization_inputs (
  materialization_id text not null references platform.materializations (id) on delete cascade,
  ordinal integer not null,
  upstream_key text not null,
  upstream_partition text not null,
  data_version text not null,
  primary key (materialization_id, ordinal)
);
-- "Which materializations read this upstream partition?" for downstream lineage.
create index materialization_inputs_upstream_idx
  on platform.materialization_inputs (upstream_key, upstream_partition);

-- The current pointer per asset partition, and its last attempt. A row may hold only an attempt
-- (the first materialization is running or failed), only a pointer, or both.
create table platform.asset_partitions (
  asset_key text not null,
  partition_key text not null,
  -- Null for a source observation, whose pointer is the observed data version alone.
  materialization_id text references platform.materializations (id),
  data_version text,
  code_version text,
  input_signature text,
  location text,
  rows bigint,
  current_at timestamptz,
  last_run_id text,
  last_status text check (last_status in ('running', 'succeeded', 'failed', 'cancelled')),
  last_at timestamptz,
  last_error text,
  primary key (asset_key, partition_key),
  check ((data_version is null) = (current_at is null)),
  check ((last_run_id is null) = (last_status is null) and (last_status is null) = (last_at is null))
);

-- One worker per asset partition: a lease expires unless its run renews it.
create table platform.leases (
  asset_key text not null,
  partition_key text not null,
  run_id text not null,
  owner text not null,
  expires_at timestamptz not null,
  primary key (asset_key, partition_key)
);
create index leases_run_idx on platform.leases (run_id);

create table platform.check_results (
  id bigint generated always as identity primary key,
  run_id text not null,
  asset_key text not null,
  partition_key text not null,
  -- No foreign key: checks run before the commit, so a failed check's materialization never exists.
  materialization_id text not null,
  check_name text not null,
  severity text not null check (severity in ('error', 'warn')),
  passed boolean not null,
  message text not null,
  failing_rows jsonb,
  failing_count bigint,
  at timestamptz not null
);
-- latestCheckResults() picks the newest result per (partition, check) of one asset.
create index check_results_latest_idx
  on platform.check_results (asset_key, partition_key, check_name, at desc, id desc);

-- History of source observations: one row per partition whose observed version changed.
create table platform.asset_observations (
  id bigint generated always as identity primary key,
  asset_key text not null,
  partition_key text not null,
  data_version text not null,
  metadata jsonb not null default '{}',
  observed_at timestamptz not null
);
create index asset_observations_history_idx
  on platform.asset_observations (asset_key, partition_key, observed_at desc);
