-- Which process a run is, so a dead one is noticed at once: its start time (with the pid, unique
-- across pid reuse) and its scope (boot id and pid namespace: where the pid means anything), and
-- a heartbeat deadline for runs on other machines. A dead run ends as 'abandoned' with a reason.
-- A lease names its run, so it carries the same identity through the run.
alter table platform.runs
  add column process_start text,
  add column process_scope text,
  add column alive_until timestamptz;

alter table platform.runs drop constraint runs_status_check;
alter table platform.runs add constraint runs_status_check
  check (status in ('running', 'succeeded', 'failed', 'cancelled', 'abandoned'));

-- The reaper reads the running runs only.
create index runs_running_idx on platform.runs (started_at) where status = 'running';
