-- Alerts produced to fraud.alerts: an alert id is sent once, whatever reruns happen. A store
-- that kept this table in schema platform has it moved here, rows and all.
do $$
begin
  if to_regclass('platform.kafka_alerts_sent') is not null then
    alter table platform.kafka_alerts_sent set schema outbound;
    alter table outbound.kafka_alerts_sent rename to alerts_sent;
  end if;
end $$;

create table if not exists outbound.alerts_sent (
  alert_id text primary key,
  kafka_topic text not null,
  sent_at timestamptz not null default now()
);
