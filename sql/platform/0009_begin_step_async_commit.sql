-- A step's begin (lease, running mark) commits without waiting for its WAL to reach the disk.
--
-- begin_step() is 0008's with one more argument, p_durable: false turns synchronous_commit off
-- for its own transaction (set_config(..., true) lasts until that transaction ends; the statement
-- `select platform.begin_step(...)` is one). The store passes false on a Postgres server, where
-- killing the run's process loses nothing (the server's WAL writer flushes within
-- wal_writer_delay) and only a crash of the server or the machine can. It passes true on
-- PGlite, which has no WAL writer: an asynchronous commit would stay in memory until the next
-- synchronous one, and a kill -9 of the process would lose the running mark that the crash
-- test expects to find as an abandoned attempt. What a server crash can lose then is the tail
-- of such begins written after the last flushed commit (the WAL is replayed in order, so a
-- later durable commit keeps every begin before it), and losing a begin loses nothing:
-- - its lease: every commit fences on it. record_materialization(p_release_lease) and the
--   commit transaction of PartitionStore.commitMaterialization first delete the run's own lease
--   row and refuse to write anything when there is none, so a run whose begin was lost cannot
--   commit (tested in the step store contract: "a commit after its begin was lost ...");
-- - its running mark: the partition shows the attempt before it, as if the step never began;
--   a run that dies leaves such marks anyway, and reads them as abandoned attempts;
-- - the pointers it read: a read, nothing to keep.
-- Another run may have seen the lost lease or mark before the crash (they are visible at once)
-- and waited or skipped on it; after the crash it reads the store again. The commit itself, and
-- finish_step(), stay synchronous: they are the step's result.

drop function platform.begin_step(text, text, text, text, float8, timestamptz, jsonb);

create function platform.begin_step(
  p_asset text, p_partition text, p_run text, p_owner text, p_ttl_ms float8, p_at timestamptz,
  p_refs jsonb, p_durable boolean
) returns jsonb
language plpgsql as $$
declare
  v_holder jsonb;
  v_previous jsonb;
begin
  -- See the top of this file: this transaction's commit need not wait for its WAL flush.
  if not p_durable then
    perform set_config('synchronous_commit', 'off', true);
  end if;
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
