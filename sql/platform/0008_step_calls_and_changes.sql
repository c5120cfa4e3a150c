-- A step's store work in two calls, and a change feed for status reads.
--
-- Steps: begin_step() claims a partition's lease, reads the pointers the step needs and marks
-- its attempt running; record_materialization() releases the lease and records the
-- materialization; finish_step() releases the lease of a step that ended without a commit. Each is one round trip
-- whose statements keep their plans cached in the session (a step used to be nine round trips).
--
-- Changes: every row of asset_partitions and aliases carries the id of the transaction that last
-- wrote it (change_xid). A status read remembers its snapshot; the next read asks only for rows
-- whose writer that snapshot could not see (pg_visible_in_snapshot). Transaction ids rather than
-- a sequence, because a sequence value is drawn before its transaction commits: a later value
-- can become visible first, and a reader that moved past it would never see the earlier one.

alter table platform.asset_partitions add column change_xid xid8;
alter table platform.aliases add column change_xid xid8;
create index asset_partitions_change_idx on platform.asset_partitions (change_xid);
create index aliases_change_idx on platform.aliases (change_xid);

-- The trigger of 0002 also stamps the writer's transaction.
create or replace function platform.asset_partitions_epochs() returns trigger
language plpgsql as $$
begin
  new.current_at_ms := (extract(epoch from new.current_at) * 1000)::bigint;
  new.last_at_ms := (extract(epoch from new.last_at) * 1000)::bigint;
  new.change_xid := pg_current_xact_id();
  return new;
end;
$$;

create function platform.aliases_change() returns trigger
language plpgsql as $$
begin
  new.change_xid := pg_current_xact_id();
  return new;
end;
$$;

create trigger aliases_change
  before insert or update on platform.aliases
  for each row execute function platform.aliases_change();

update platform.asset_partitions set current_at = current_at;
update platform.aliases set moved_at = moved_at;

-- The current pointers of `refs` (a JSON array of [asset key, partition key]), an alias read as
-- partition '@<alias>', as a JSON array of objects (at: epoch milliseconds).
create function platform.pointers_of(refs jsonb) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(jsonb_build_object(
           'k', x.asset_key, 'p', x.partition_key, 'm', x.materialization_id,
           'v', x.data_version, 'c', x.code_version, 's', x.input_signature,
           'l', x.location, 'r', x.rows, 'at', x.at)), '[]'::jsonb)
  from (
    select p.asset_key, p.partition_key, p.materialization_id, p.data_version, p.code_version,
           p.input_signature, p.location, p.rows, p.current_at_ms as at
    from jsonb_array_elements(refs) as r(ref)
    join platform.asset_partitions p
      on p.asset_key = r.ref ->> 0 and p.partition_key = r.ref ->> 1
    where p.data_version is not null
    union all
    select a.asset_key, '@' || a.alias, m.id, m.data_version, m.code_version,
           m.input_signature, m.location, m.rows,
           (extract(epoch from a.moved_at) * 1000)::bigint
    from jsonb_array_elements(refs) as r(ref)
    join platform.aliases a on a.asset_key = r.ref ->> 0 and '@' || a.alias = r.ref ->> 1
    join platform.materializations m on m.id = a.materialization_id
  ) x
$$;

-- Claims the lease of one asset partition for a run. Won: marks the partition's attempt running
-- and returns {claimed: true, previous: its last attempt before, pointers: pointers_of(refs)}.
-- Lost: {claimed: false, holder: the live lease with its run's process}. The pointers are read
-- by a statement after the claim, so they include a commit of the lease's previous holder.
create function platform.begin_step(
  p_asset text, p_partition text, p_run text, p_owner text, p_ttl_ms float8, p_at timestamptz,
  p_refs jsonb
) returns jsonb
language plpgsql as $$
declare
  v_holder jsonb;
  v_previous jsonb;
begin
  -- The holder we lost to can release between the claim and the read of it: then claim again.
  for attempt in 1..5 loop
    insert into platform.leases as l (asset_key, partition_key, run_id, owner, expires_at)
    values (p_asset, p_partition, p_run, p_owner,
            now() + p_ttl_ms * interval '1 millisecond')
    on conflict (asset_key, partition_key) do update set
      run_id = excluded.run_id, owner = excluded.owner, expires_at = excluded.expires_at
    where l.expires_at <= now() or l.run_id = excluded.run_id;
    if found then
      select jsonb_build_object('run', last_run_id, 'status', last_status, 'at', last_at_ms,
                                'error', last_error)
        into v_previous
      from platform.asset_partitions
      where asset_key = p_asset and partition_key = p_partition and last_status is not null;
      insert into platform.asset_partitions as p
        (asset_key, partition_key, last_run_id, last_status, last_at, last_error)
      values (p_asset, p_partition, p_run, 'running', p_at, null)
      on conflict (asset_key, partition_key) do update set
        last_run_id = excluded.last_run_id, last_status = 'running',
        last_at = excluded.last_at, last_error = null;
      return jsonb_build_object('claimed', true, 'previous', v_previous,
                                'pointers', platform.pointers_of(p_refs));
    end if;
    select jsonb_build_object(
             'run_id', l.run_id, 'owner', l.owner,
             'expires_at', (extract(epoch from l.expires_at) * 1000)::float8,
             'host', r.host, 'pid', r.pid, 'process_start', r.process_start,
             'process_scope', r.process_scope)
      into v_holder
    from platform.leases l left join platform.runs r on r.id = l.run_id
    where l.asset_key = p_asset and l.partition_key = p_partition;
    if v_holder is not null then
      return jsonb_build_object('claimed', false, 'holder', v_holder);
    end if;
  end loop;
  raise exception 'Cannot claim ''%'' partition ''%'': its lease changed hands five times in a row; retry the run',
    p_asset, p_partition using errcode = '40001';
end;
$$;

-- Ends a step that did not commit: releases the run's lease and, if it held it, sets the last
-- attempt to (p_status, p_at, p_error), or with p_status null puts back the attempt begin_step
-- replaced (p_last_run, p_last_status, p_last_at, p_last_error; all null for none) while the
-- partition still shows this run's running mark. False when the run did not hold the lease.
create function platform.finish_step(
  p_asset text, p_partition text, p_run text, p_status text, p_at timestamptz, p_error text,
  p_last_run text, p_last_status text, p_last_at timestamptz, p_last_error text
) returns boolean
language plpgsql as $$
begin
  delete from platform.leases
  where asset_key = p_asset and partition_key = p_partition and run_id = p_run;
  if not found then
    return false;
  end if;
  if p_status is not null then
    update platform.asset_partitions
    set last_run_id = p_run, last_status = p_status, last_at = p_at, last_error = p_error
    where asset_key = p_asset and partition_key = p_partition;
  else
    update platform.asset_partitions
    set last_run_id = p_last_run, last_status = p_last_status, last_at = p_last_at,
        last_error = p_last_error
    where asset_key = p_asset and partition_key = p_partition
      and last_run_id = p_run and last_status = 'running';
  end if;
  return true;
end;
$$;

-- Records one committed materialization: its history row, its lineage (p_inputs: a JSON array
-- of {asset_key, partition, version}) and the moved pointer with a succeeded last attempt. With
-- p_release_lease (a run's commit, one statement on its own) it first releases the run's lease,
-- which proves the run still held it, and writes nothing and returns false if it did not;
-- without, it writes inside the caller's transaction (which checked the lease itself, or commits
-- a part set outside any lease) and returns true.
create function platform.record_materialization(
  p_release_lease boolean, p_id text, p_run text, p_asset text, p_partition text,
  p_data_version text, p_code_version text, p_input_signature text, p_location text,
  p_rows bigint, p_bytes bigint, p_metadata jsonb, p_started_at timestamptz,
  p_committed_at timestamptz, p_inputs jsonb
) returns boolean
language plpgsql as $$
begin
  if p_release_lease then
    delete from platform.leases
    where asset_key = p_asset and partition_key = p_partition and run_id = p_run;
    if not found then
      return false;
    end if;
  end if;
  insert into platform.materializations
    (id, run_id, asset_key, partition_key, data_version, code_version, input_signature,
     location, rows, bytes, metadata, started_at, committed_at)
  values (p_id, p_run, p_asset, p_partition, p_data_version, p_code_version, p_input_signature,
          p_location, p_rows, p_bytes, p_metadata, p_started_at, p_committed_at);
  if jsonb_array_length(p_inputs) > 0 then
    insert into platform.materialization_inputs
      (materialization_id, ordinal, upstream_key, upstream_partition, data_version)
    select p_id, i.ord, i.asset_key, i.partition, i.version
    from rows from (jsonb_to_recordset(p_inputs)
      as (asset_key text, partition text, version text))
      with ordinality as i(asset_key, partition, version, ord);
  end if;
  insert into platform.asset_partitions
    (asset_key, partition_key, materialization_id, data_version, code_version,
     input_signature, location, rows, current_at,
     last_run_id, last_status, last_at, last_error)
  values (p_asset, p_partition, p_id, p_data_version, p_code_version,
          p_input_signature, p_location, p_rows, p_committed_at,
          p_run, 'succeeded', p_committed_at, null)
  on conflict (asset_key, partition_key) do update set
    materialization_id = excluded.materialization_id,
    data_version = excluded.data_version, code_version = excluded.code_version,
    input_signature = excluded.input_signature, location = excluded.location,
    rows = excluded.rows, current_at = excluded.current_at,
    last_run_id = excluded.last_run_id, last_status = excluded.last_status,
    last_at = excluded.last_at, last_error = null;
  return true;
end;
$$;
