-- Epoch-millisecond copies of the pointer and attempt times, kept by a trigger, for the bulk
-- status read: extracting epochs from timestamptz at read time was 40% of that query's cost
-- on 365,000 partitions.
alter table platform.asset_partitions
  add column current_at_ms bigint,
  add column last_at_ms bigint;

create function platform.asset_partitions_epochs() returns trigger
language plpgsql as $$
begin
  new.current_at_ms := (extract(epoch from new.current_at) * 1000)::bigint;
  new.last_at_ms := (extract(epoch from new.last_at) * 1000)::bigint;
  return new;
end;
$$;

create trigger asset_partitions_epochs
  before insert or update on platform.asset_partitions
  for each row execute function platform.asset_partitions_epochs();

update platform.asset_partitions set current_at = current_at;
