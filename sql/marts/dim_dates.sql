/*
key: marts.dim_dates
engine: postgres
group: marts
description: A date spine from the first order day to a year past the last (from today while there are no orders yet), with calendar attributes.
materialized: table
columns:
  date_day: The day (grain).
tests:
  - unique: date_day
  - not_null: [date_day, year, month, iso_week, day_of_week]
  - row_count: { min: 366 }
*/
with bounds as (
  -- No orders yet (every event of the days so far was rejected): the spine still has its year.
  select coalesce(min(order_date), current_date) as first_day,
         coalesce(max(order_date), current_date) + 365 as last_day
  from {{ ref('marts.fact_orders') }}
)
select
  d::date as date_day,
  extract(year from d)::integer as year,
  extract(quarter from d)::integer as quarter,
  extract(month from d)::integer as month,
  to_char(d, 'Mon') as month_name,
  extract(week from d)::integer as iso_week,
  extract(isodow from d)::integer as day_of_week,
  to_char(d, 'Dy') as day_name,
  extract(isodow from d) in (6, 7) as is_weekend,
  date_trunc('month', d)::date as month_start
from bounds, generate_series(bounds.first_day, bounds.last_day, interval '1 day') as d
