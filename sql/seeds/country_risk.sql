/*
key: seeds.country_risk
group: seeds
description: Risk score in [0, 1] per ISO country and whether it is on the high-risk list; countries not listed score 0.5.
*/
SELECT country, CAST(risk_score AS DOUBLE) AS risk_score, risk_score >= 0.7 AS is_high_risk
FROM (VALUES
  ('US', 0.15), ('GB', 0.12), ('DE', 0.10), ('FR', 0.12), ('ES', 0.15), ('IT', 0.18),
  ('NL', 0.10), ('BR', 0.35), ('MX', 0.35), ('CA', 0.10), ('AU', 0.10), ('JP', 0.08),
  ('IN', 0.30), ('SE', 0.08), ('PL', 0.20), ('CH', 0.08),
  ('NG', 0.90), ('RU', 0.85), ('VN', 0.75), ('ID', 0.75), ('PH', 0.75), ('RO', 0.70)
) AS t(country, risk_score)
ORDER BY country
