// The shop's customers: each shopper's profile (home, account age, devices, card, spending
// baseline) derives from the seed and its index alone, plus the state a run accumulates.
import type { Currency, DeviceType, KycStatus, PaymentMethod } from "../contracts/events/mod.ts";
import { type City, type Country, SHOPPER_COUNTRIES } from "./geography.ts";
import { Random, seedOf, Weighted } from "./random.ts";

export interface Device {
  readonly id: string;
  readonly fingerprint: string;
  readonly type: DeviceType;
  readonly os: string;
  readonly browser: string;
}

/** A shopper: fixed profile fields plus mutable per-run state (last position, order history). */
export interface Shopper {
  readonly id: string;
  readonly createdAt: number;
  readonly country: Country;
  readonly currency: Currency;
  readonly city: City;
  readonly lat: number;
  readonly lon: number;
  emailDomain: string;
  kycStatus: KycStatus;
  phoneVerified: boolean;
  readonly paymentMethod: PaymentMethod;
  readonly cardBin: string;
  readonly baselineUsd: number;
  readonly devices: Device[];
  readonly ipPrefix: string;
  /** Whether this run already published the profile to the users topic. */
  announced: boolean;
  busyUntil: number;
  orders: number;
}

/**
 * Accounts are dated against a fixed instant rather than the run's start, so a user keeps the
 * same creation date in every run; users not yet created at a session's time are not picked.
 */
export const ACCOUNT_EPOCH = Date.UTC(2027, 0, 1);
const DAY_MS = 86_400_000;

const COUNTRY_TABLE = new Weighted(SHOPPER_COUNTRIES.map((c) => [c, c.shopperWeight] as const));

const EMAIL_DOMAINS = new Weighted(
  [
    ["gmail.com", 45],
    ["outlook.com", 14],
    ["yahoo.com", 10],
    ["icloud.com", 12],
    ["proton.me", 3],
    ["hotmail.com", 8],
    ["gmx.de", 4],
    ["orange.fr", 2],
    ["uol.com.br", 2],
  ] as const,
);

/** Throwaway mailboxes that new fraudulent accounts favour. */
export const DISPOSABLE_EMAIL_DOMAINS = [
  "mailinator.com",
  "guerrillamail.com",
  "tempmail.dev",
  "10minutemail.net",
] as const;

const PAYMENT_METHOD_TABLE = Weighted.of<PaymentMethod>({
  credit_card: 38,
  debit_card: 18,
  paypal: 16,
  apple_pay: 10,
  google_pay: 7,
  bank_transfer: 5,
  buy_now_pay_later: 6,
});

const DEVICE_KINDS = new Weighted<Omit<Device, "id" | "fingerprint">>([
  [{ type: "mobile", os: "iOS", browser: "Safari" }, 30],
  [{ type: "mobile", os: "Android", browser: "Chrome" }, 28],
  [{ type: "desktop", os: "Windows", browser: "Chrome" }, 18],
  [{ type: "desktop", os: "Windows", browser: "Edge" }, 6],
  [{ type: "desktop", os: "macOS", browser: "Safari" }, 8],
  [{ type: "desktop", os: "Linux", browser: "Firefox" }, 2],
  [{ type: "tablet", os: "iPadOS", browser: "Safari" }, 5],
  [{ type: "tablet", os: "Android", browser: "Chrome" }, 3],
]);

/** A new device with a fresh id and fingerprint (for a user's new phone, or an attacker's). */
export function newDevice(rng: Random): Device {
  return { id: rng.id("dev_"), fingerprint: rng.hex(32), ...DEVICE_KINDS.sample(rng) };
}

/** A plausible card BIN: Visa, Mastercard or Amex ranges. */
export function cardBin(rng: Random): string {
  const first = rng.pick(["4", "4", "4", "5", "5", "3"]);
  return first + String(rng.int(0, 99999)).padStart(5, "0");
}

/** Profile of shopper `index`, identical for a given seed whatever the run. */
export function shopperProfile(seed: number, index: number): Shopper {
  const rng = new Random(seedOf(seed, "shopper", index));
  return createShopper(rng, accountAgeDays(rng));
}

/** A shopper who signs up at `at`, drawn from the run's own stream. */
export function newShopper(rng: Random, at: number): Shopper {
  const shopper = createShopper(rng, 0);
  return { ...shopper, createdAt: at - rng.int(0, 59_000) };
}

function accountAgeDays(rng: Random): number {
  // A slice of recent sign-ups and a long tail of tenured accounts.
  return rng.chance(0.15) ? rng.between(0, 120) : Math.min(4000, 60 + rng.exponential(900));
}

function createShopper(rng: Random, ageDays: number): Shopper {
  const country = COUNTRY_TABLE.sample(rng);
  const city = rng.pick(country.cities);
  const deviceCount = 1 + (rng.chance(0.5) ? 1 : 0) + (rng.chance(0.2) ? 1 : 0);
  const devices: Device[] = [];
  for (let i = 0; i < deviceCount; i++) devices.push(newDevice(rng));
  const tenured = ageDays > 90;
  return {
    id: rng.id("usr_").slice(0, 16),
    createdAt: ACCOUNT_EPOCH - Math.round(ageDays * DAY_MS),
    country,
    currency: country.currency ?? "USD",
    city,
    lat: city.lat + rng.between(-0.05, 0.05),
    lon: city.lon + rng.between(-0.05, 0.05),
    emailDomain: EMAIL_DOMAINS.sample(rng),
    kycStatus: rng.chance(tenured ? 0.8 : 0.45)
      ? "verified"
      : rng.chance(0.4)
      ? "pending"
      : "unverified",
    phoneVerified: rng.chance(0.75),
    paymentMethod: PAYMENT_METHOD_TABLE.sample(rng),
    cardBin: cardBin(rng),
    baselineUsd: Math.min(900, rng.logNormal(45, 0.6)),
    devices,
    ipPrefix: `${rng.int(11, 223)}.${rng.int(0, 255)}.`,
    announced: false,
    busyUntil: 0,
    orders: 0,
  };
}

/** The shopper pool of one run: profiles made on first use, activity skewed towards few users. */
export class Population {
  readonly #seed: number;
  readonly #size: number;
  readonly #shoppers = new Map<number, Shopper>();
  /** Shoppers with at least three orders, whose baseline a spike can be measured against. */
  readonly regulars: Shopper[] = [];

  constructor(seed: number, size: number) {
    this.#seed = seed;
    this.#size = size;
  }

  get size(): number {
    return this.#size;
  }

  /** A shopper free at `at` whose account exists by then, or undefined after a few tries. */
  pickAvailable(rng: Random, at: number, minAgeDays = 0): Shopper | undefined {
    for (let attempt = 0; attempt < 8; attempt++) {
      // u^2.2 makes low indices frequent visitors and the tail occasional ones.
      const index = Math.floor(this.#size * rng.float() ** 2.2);
      const shopper = this.shopper(index);
      if (shopper.busyUntil < at && shopper.createdAt + minAgeDays * DAY_MS < at) return shopper;
    }
    return undefined;
  }

  shopper(index: number): Shopper {
    let shopper = this.#shoppers.get(index);
    if (!shopper) {
      shopper = shopperProfile(this.#seed, index);
      this.#shoppers.set(index, shopper);
    }
    return shopper;
  }

  /** Notes an order so the shopper can join the regulars. */
  recordOrder(shopper: Shopper): void {
    shopper.orders++;
    if (shopper.orders === 3) this.regulars.push(shopper);
  }
}
