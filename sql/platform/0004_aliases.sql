-- Named aliases on an asset (`champion` of models.fraud_detector) pointing at one of its
-- materializations. Moving one is a transaction that also appends to its history, so
-- promotion and rollback are one update, and what pointed where, when and why is kept.
create table platform.aliases (
  asset_key text not null,
  alias text not null,
  materialization_id text not null references platform.materializations (id),
  moved_at timestamptz not null,
  primary key (asset_key, alias)
);

create table platform.alias_moves (
  id bigserial primary key,
  asset_key text not null,
  alias text not null,
  from_materialization_id text,
  to_materialization_id text not null,
  reason text not null,
  moved_by text not null,
  at timestamptz not null
);

create index alias_moves_by_alias on platform.alias_moves (asset_key, alias, id);
