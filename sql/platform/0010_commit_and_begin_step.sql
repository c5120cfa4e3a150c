-- A step's commit and the next step's begin in one call, for a run whose next step is known when
-- a step commits (a serial chain: the step that commits is the only one running and its
-- downstream is next). One round trip and one transaction instead of two of each.
--
-- commit_and_begin_step() runs record_materialization(true, ...) (0008: releases the lease, which
-- proves the run still held it, and records the materialization) and, only when that recorded,
-- begin_step(..., p_durable true) (0009) for the next step. The begin reads the pointers after
-- the commit's writes, so the next step sees the version just committed. The begin runs in a
-- subtransaction: if it raises (its lease changed hands five times, say), the commit stands and
-- the next step begins on its own; a failed begin must never undo the step before it. The
-- transaction commits synchronously: it is the step's result, and the next step's begin is
-- durable with it.
--
-- Returns null when the run no longer held the committing step's lease (nothing written), else
-- {next: begin_step()'s result, or null when it raised, with 'error': its message}.
create function platform.commit_and_begin_step(
  p_id text, p_run text, p_asset text, p_partition text,
  p_data_version text, p_code_version text, p_input_signature text, p_location text,
  p_rows bigint, p_bytes bigint, p_metadata jsonb, p_started_at timestamptz,
  p_committed_at timestamptz, p_inputs jsonb,
  p_next_asset text, p_next_partition text, p_owner text, p_ttl_ms float8, p_at timestamptz,
  p_refs jsonb
) returns jsonb
language plpgsql as $$
begin
  if not platform.record_materialization(true, p_id, p_run, p_asset, p_partition,
      p_data_version, p_code_version, p_input_signature, p_location, p_rows, p_bytes,
      p_metadata, p_started_at, p_committed_at, p_inputs) then
    return null;
  end if;
  begin
    return jsonb_build_object('next', platform.begin_step(p_next_asset, p_next_partition, p_run,
      p_owner, p_ttl_ms, p_at, p_refs, true));
  exception when others then
    return jsonb_build_object('next', null, 'error', sqlerrm);
  end;
end;
$$;
