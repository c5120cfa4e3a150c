-- gold.order_risk_scores in the warehouse exists before any model is champion, so
-- marts.fact_orders can left-join it (empty: no model scores yet) on a fresh clone whose model
-- has not passed its gates. Its columns are exactly what warehouse.gold.order_risk_scores
-- publishes from the scores' Parquet (tests/assets/models/order_risk_scores_test.ts checks).
create table if not exists gold.order_risk_scores (
  "_partition" text,
  "order_id" text,
  "event_date" date,
  "fraud_probability" double precision,
  "is_fraud" boolean,
  "model_version" text,
  "rules_score" double precision,
  "scored_at" timestamptz
);
create index if not exists "order_risk_scores__partition" on gold.order_risk_scores ("_partition");
create index if not exists "order_risk_scores__key" on gold.order_risk_scores ("order_id");
