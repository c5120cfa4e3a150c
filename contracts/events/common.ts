// Field schemas shared by every event contract: ids, UTC timestamps, money and countries,
// so one rule (say, "amounts are never negative") is written once for all six topics.
import { z } from "zod";

/** ISO 4217 codes the shop prices and settles in; anything else is rejected at bronze. */
export const CURRENCIES = [
  "USD",
  "EUR",
  "GBP",
  "BRL",
  "MXN",
  "CAD",
  "AUD",
  "JPY",
  "INR",
  "SEK",
  "PLN",
  "CHF",
] as const;

export type Currency = typeof CURRENCIES[number];

/** Field names that hold money; a negative value there is its own rejection kind. */
export const AMOUNT_FIELDS = ["amount", "unit_price"] as const;

/** A non-empty opaque identifier such as `ord_1f3a…`. */
export const idField = () => z.string().min(1);

/** An ISO 8601 instant in UTC with a trailing `Z`; consumers take its first 10 characters as event_date. */
export const utcTimestamp = () => z.iso.datetime();

/** Money in major units of `currency` (cents as decimals); never negative. */
export const amountField = () => z.number().min(0);

export const currencyField = () => z.enum(CURRENCIES);

/** ISO 3166-1 alpha-2, upper case. */
export const countryField = () => z.string().regex(/^[A-Z]{2}$/);

/** A probability-like score in [0, 1]. */
export const unitScore = () => z.number().min(0).max(1);

/** The UTC calendar date (`YYYY-MM-DD`) of an event timestamp that passed `utcTimestamp`. */
export function eventDateOf(eventTime: string): string {
  return eventTime.slice(0, 10);
}
