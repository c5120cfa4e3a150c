/*
key: seeds.fx_rates
group: seeds
description: Units of each shop currency per US dollar; the generator prices at these fixed rates.
*/
SELECT currency, CAST(units_per_usd AS DECIMAL(12, 4)) AS units_per_usd
FROM (VALUES
  ('USD', 1), ('EUR', 0.92), ('GBP', 0.79), ('BRL', 5.0), ('MXN', 17.5), ('CAD', 1.36),
  ('AUD', 1.52), ('JPY', 150), ('INR', 83), ('SEK', 10.5), ('PLN', 4.0), ('CHF', 0.88)
) AS t(currency, units_per_usd)
ORDER BY currency
