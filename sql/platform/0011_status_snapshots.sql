-- Persisted statuses, so a new process (`deno task assets`) need not read every partition state
-- and compute every status: per asset, its partition statuses as a status read computed them,
-- valid at one change mark (see runtime/staleness/status_reader.ts). A reader uses an asset's
-- statuses only while its fingerprint (code versions, upstreams, partitions that exist) matches
-- and the change feed shows nothing written since the mark to it or its upstreams; it replaces
-- the whole set when it had to recompute some, if no other reader replaced it first.

create table platform.status_snapshot_set (
  id int primary key check (id = 1),
  -- The change mark (a pg_snapshot as text) every snapshot below is valid at.
  mark text not null,
  written_at timestamptz not null default now()
);

create table platform.status_snapshots (
  asset_key text primary key,
  fingerprint text not null,
  statuses text not null
);
