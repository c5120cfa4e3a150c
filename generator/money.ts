// Prices in the shop's currencies: USD baselines converted at fixed rates and split into
// line items whose totals add up exactly, in minor units (JPY has none).
import type { Currency, OrderItem } from "../contracts/events/mod.ts";
import type { Random } from "./random.ts";

/** Units of each currency per US dollar; fixed, because reproducibility beats realism here. */
const UNITS_PER_USD: Readonly<Record<Currency, number>> = {
  USD: 1,
  EUR: 0.92,
  GBP: 0.79,
  BRL: 5.0,
  MXN: 17.5,
  CAD: 1.36,
  AUD: 1.52,
  JPY: 150,
  INR: 83,
  SEK: 10.5,
  PLN: 4.0,
  CHF: 0.88,
};

function minorUnitsPerMajor(currency: Currency): number {
  return currency === "JPY" ? 1 : 100;
}

export interface PricedBasket {
  readonly amount: number;
  readonly items: OrderItem[];
}

/** Builds 1-4 line items worth about `usd` dollars in `currency`; the amount is their exact sum. */
export function priceBasket(rng: Random, usd: number, currency: Currency): PricedBasket {
  const scale = minorUnitsPerMajor(currency);
  const targetMinor = Math.max(1, Math.round(usd * UNITS_PER_USD[currency] * scale));
  const u = rng.float();
  const count = u < 0.55 ? 1 : u < 0.8 ? 2 : u < 0.92 ? 3 : 4;
  const shares: number[] = [];
  let shareTotal = 0;
  for (let i = 0; i < count; i++) {
    const share = 0.3 + rng.float();
    shares.push(share);
    shareTotal += share;
  }
  const items: OrderItem[] = [];
  let totalMinor = 0;
  for (let i = 0; i < count; i++) {
    const quantity = rng.chance(0.88) ? 1 : rng.int(2, 3);
    const unitMinor = Math.max(1, Math.round((targetMinor * shares[i]) / shareTotal / quantity));
    totalMinor += unitMinor * quantity;
    items.push({ sku: `SKU-${rng.int(10000, 99999)}`, quantity, unit_price: unitMinor / scale });
  }
  return { amount: totalMinor / scale, items };
}
