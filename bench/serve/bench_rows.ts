// Seeded synthetic requests for bench/serve_bench.ts: fraud-like feature rows (about 3% fraud,
// with velocity bursts, VPN/proxy/TOR use, new accounts, amounts far above the user's usual)
// shaped like the contract, to train the benchmark's model and to send as requests.
import { FEATURE_NAMES } from "../../models/features.ts";

export interface BenchRow {
  readonly features: Record<string, number>;
  readonly isFraud: boolean;
}

/** mulberry32: small, seeded, reproducible. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 2 ** 32;
  };
}

const PATTERNS = [
  "velocity_burst",
  "account_takeover",
  "anonymizer",
  "geo_mismatch",
  "amount_spike",
  "new_account",
  "refund_abuse",
] as const;

/**
 * Rows as silver would hold them. A fraud row carries one to three of the generator's fraud
 * patterns; a legitimate row shows each pattern's signal now and then too, so the classes
 * overlap and the trees have real work to do.
 */
export function benchRows(seed: number, count: number): BenchRow[] {
  const random = generator(seed);
  const chance = (p: number) => (random() < p ? 1 : 0);
  const poisson = (mean: number) => {
    let k = 0;
    for (let p = Math.exp(-mean), s = p, u = random(); u > s; k++) {
      p *= mean / (k + 1);
      s += p;
    }
    return k;
  };
  const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
  return Array.from({ length: count }, () => {
    const fraud = random() < 0.03;
    const active = new Set<string>();
    if (fraud) {
      const patterns = 1 + Math.floor(random() * 3);
      while (active.size < patterns) active.add(PATTERNS[Math.floor(random() * PATTERNS.length)]);
    } else {
      for (const pattern of PATTERNS) if (random() < 0.02) active.add(pattern);
    }
    const has = (pattern: string) => active.has(pattern);
    const velocity1h = poisson(has("velocity_burst") ? 4 : 0.3);
    const velocity24h = velocity1h + poisson(has("velocity_burst") ? 5 : 1.5);
    const velocity7d = velocity24h + poisson(4);
    const ratio = has("amount_spike") ? 3 + random() * 12 : Math.exp((random() - 0.5) * 1.4);
    const amount = round(Math.exp(3 + random() * 2.5) * ratio, 2);
    const chargebacks = poisson(has("refund_abuse") ? 0.8 : 0.08);
    const orders30d = Math.max(1, velocity7d * 3);
    const risky = has("geo_mismatch") || has("anonymizer");
    const countryRisk = round(risky ? 0.3 + random() * 0.7 : random() * 0.7, 3);
    const paymentRisk = round(fraud ? 0.2 + random() * 0.8 : random() * 0.7, 3);
    const hour = Math.floor(random() * 24);
    const day = 1 + Math.floor(random() * 7);
    const features: Record<string, number> = {
      velocity_1h: velocity1h,
      velocity_24h: velocity24h,
      velocity_7d: velocity7d,
      amount_usd: amount,
      amount_vs_user_avg: round(ratio, 3),
      amount_vs_user_p95: round(ratio * (0.4 + random() * 0.5), 3),
      account_age_days: round(has("new_account") ? random() * 7 : random() * 1500, 1),
      chargeback_count: chargebacks,
      chargeback_rate: round(chargebacks / orders30d, 4),
      refund_count_30d: poisson(has("refund_abuse") ? 3 : 0.4),
      fraud_refund_count: poisson(has("refund_abuse") ? 1.5 : 0.03),
      vpn_detected: chance(has("anonymizer") ? 0.6 : 0.06),
      proxy_detected: chance(has("anonymizer") ? 0.3 : 0.03),
      tor_detected: chance(has("anonymizer") ? 0.15 : 0.003),
      bot_detected: chance(has("account_takeover") ? 0.3 : 0.02),
      device_count_30d: 1 + poisson(has("account_takeover") ? 3 : 0.4),
      geo_mismatch: chance(has("geo_mismatch") ? 0.9 : 0.1),
      is_high_risk_country: chance(has("geo_mismatch") ? 0.5 : 0.06),
      country_risk_score: countryRisk,
      payment_risk_score: paymentRisk,
      is_3ds_authenticated: chance(fraud ? 0.4 : 0.7),
      risk_tier_encoded: Math.max(countryRisk, paymentRisk) > 0.7
        ? 2
        : Math.max(countryRisk, paymentRisk) > 0.4
        ? 1
        : 0,
      hour_of_day: hour,
      day_of_week: day,
      is_weekend: day >= 6 ? 1 : 0,
    };
    return { features: orderedAsContract(features), isFraud: fraud };
  });
}

function orderedAsContract(features: Record<string, number>): Record<string, number> {
  return Object.fromEntries(FEATURE_NAMES.map((name) => [name, features[name]]));
}
