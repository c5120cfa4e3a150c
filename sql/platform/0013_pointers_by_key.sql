-- pointers_of() looks each ref up by its key instead of scanning asset_partitions.
--
-- 0008's pointers_of() joined the refs (jsonb_array_elements, which the planner takes for 100
-- rows) to asset_partitions: on a store of a few hundred partitions it chose a hash join over a
-- sequential scan of the whole table, so every step's begin read every partition (0.42 ms of a
-- 1.5 ms commit-and-begin on PGlite with 400 partitions, growing with the store). Each ref is
-- now one primary-key lookup (a lateral subquery with limit 1, which the planner cannot flatten
-- into a join), and the function is plpgsql, whose plan is cached in the session instead of
-- planned again on every call as a SQL function's is. Same arguments, same result.
create or replace function platform.pointers_of(refs jsonb) returns jsonb
language plpgsql stable as $$
begin
  return (
    select coalesce(jsonb_agg(jsonb_build_object(
             'k', x.asset_key, 'p', x.partition_key, 'm', x.materialization_id,
             'v', x.data_version, 'c', x.code_version, 's', x.input_signature,
             'l', x.location, 'r', x.rows, 'at', x.at)), '[]'::jsonb)
    from (
      select p.asset_key, p.partition_key, p.materialization_id, p.data_version,
             p.code_version, p.input_signature, p.location, p.rows, p.current_at_ms as at
      from jsonb_array_elements(refs) as r(ref)
      cross join lateral (
        select * from platform.asset_partitions
        where asset_key = r.ref ->> 0 and partition_key = r.ref ->> 1
        limit 1
      ) p
      where p.data_version is not null
      union all
      select a.asset_key, '@' || a.alias, m.id, m.data_version, m.code_version,
             m.input_signature, m.location, m.rows,
             (extract(epoch from a.moved_at) * 1000)::bigint
      from jsonb_array_elements(refs) as r(ref)
      cross join lateral (
        select * from platform.aliases
        where asset_key = r.ref ->> 0 and r.ref ->> 1 like '@%'
          and alias = substr(r.ref ->> 1, 2)
        limit 1
      ) a
      join platform.materializations m on m.id = a.materialization_id
    ) x
  );
end;
$$;
