// The eight injected fraud patterns. Each emits a whole session whose orders carry the
// pattern as their ground-truth label, with the signals a detector is meant to find.
import type { FraudPattern, MerchantCategory } from "../contracts/events/mod.ts";
import {
  deviceEvent,
  geoEvent,
  homePlace,
  orderEvent,
  type OrderSpec,
  type Place,
  refundEvent,
  remotePlace,
  round3,
  userEvent,
  type Visit,
} from "./event_factory.ts";
import {
  COUNTRIES,
  type Country,
  haversineKm,
  HIGH_RISK_COUNTRIES,
  SHOPPER_COUNTRIES,
} from "./geography.ts";
import { payForOrder, type PaymentProfile } from "./payment_flow.ts";
import {
  cardBin,
  type Device,
  DISPOSABLE_EMAIL_DOMAINS,
  newDevice,
  newShopper,
  type Population,
  type Shopper,
} from "./population.ts";
import { LEGIT_CATEGORIES } from "./legit_session.ts";
import { MIMIC_AMOUNT_RANGE, MIMIC_PAYMENT } from "./overlap.ts";
import { type Random, Weighted } from "./random.ts";
import type { SessionDraft } from "./session_draft.ts";

const SECOND_MS = 1000;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** Faster than any airliner: consecutive positions further apart than this are impossible. */
export const IMPOSSIBLE_SPEED_KMH = 1500;

/** Where a pattern finds its victim or creates its account. */
export interface FraudScene {
  readonly draft: SessionDraft;
  readonly population: Population;
  /**
   * The fraudster imitates the victim's habits (overlap.ts): the victim's payment method and
   * categories, amounts near the victim's baseline, an unsuspicious payment.
   */
  readonly mimic?: boolean;
}

type Pattern = (scene: FraudScene) => boolean;

/** How often each pattern is chosen when a fraud session starts (velocity bursts place several orders). */
export const PATTERN_WEIGHTS: Readonly<Record<FraudPattern, number>> = {
  velocity_burst: 4,
  account_takeover: 15,
  anonymized_network: 15,
  billing_shipping_mismatch: 15,
  amount_spike: 14,
  new_account: 14,
  refund_abuse: 9,
  impossible_travel: 12,
};

const PATTERN_TABLE = Weighted.of(PATTERN_WEIGHTS);

const FRAUD_CATEGORIES = new Weighted<MerchantCategory>([
  ["electronics", 30],
  ["gift_cards", 20],
  ["digital_goods", 15],
  ["jewelry", 15],
  ["fashion", 8],
  ["travel", 7],
  ["home", 3],
  ["beauty", 2],
]);

const FRAUD_PAYMENT: PaymentProfile = {
  riskRange: [0.3, 0.98],
  threeDsProbability: 0.2,
  declineProbability: 0.25,
  chargebackProbability: 0.45,
};

const PATTERNS: Readonly<Record<FraudPattern, Pattern>> = {
  velocity_burst: velocityBurst,
  account_takeover: accountTakeover,
  anonymized_network: anonymizedNetwork,
  billing_shipping_mismatch: billingShippingMismatch,
  amount_spike: amountSpike,
  new_account: newAccount,
  refund_abuse: refundAbuse,
  impossible_travel: impossibleTravel,
};

/**
 * Emits one fraud session of a randomly chosen pattern; returns false when no victim was free
 * (the caller then runs an ordinary session instead).
 */
export function fraudSession(scene: FraudScene): boolean {
  return PATTERNS[PATTERN_TABLE.sample(scene.draft.rng)](scene);
}

/** Emits one fraud session of the given pattern (tests use it to check each pattern's shape). */
export function fraudSessionOf(pattern: FraudPattern, scene: FraudScene): boolean {
  return PATTERNS[pattern](scene);
}

// Card testing: a burst of small orders within minutes, each on another stolen card.
function velocityBurst(scene: FraudScene): boolean {
  const { draft, population } = scene;
  const rng = draft.rng;
  const victim = population.pickAvailable(rng, draft.start);
  if (!victim) return false;
  const place = rng.chance(0.5) ? remotePlace(rng, rng.pick(COUNTRIES)) : homePlace(rng, victim);
  const visit = openVisit(draft, victim, newDevice(rng), place, {
    isEmulator: rng.chance(0.4),
    botScore: round3(rng.between(0.6, 0.99)),
  });
  let t = draft.start + rng.int(5, 40) * SECOND_MS;
  const orders = rng.int(4, 8);
  for (let i = 0; i < orders; i++) {
    const spec = fraudOrder(scene, victim, "velocity_burst", { usd: rng.between(4, 45) });
    const stolen = { bin: cardBin(rng), country: rng.pick(COUNTRIES).code };
    t = orderAndPay(draft, visit, t, spec, {
      ...paymentOf(scene, stolen),
      declineProbability: 0.45,
    });
    t += rng.int(10, 75) * SECOND_MS;
  }
  return finish(victim, t);
}

// Someone else logs in from a new device abroad, changes the e-mail, and buys big.
// Mimicking, the intruder connects from the victim's own country and leaves the profile alone.
function accountTakeover(scene: FraudScene): boolean {
  const { draft, population } = scene;
  const rng = draft.rng;
  const victim = population.pickAvailable(rng, draft.start, 180);
  if (!victim) return false;
  const country = scene.mimic
    ? victim.country
    : rng.chance(0.5)
    ? rng.pick(HIGH_RISK_COUNTRIES)
    : otherCountry(rng, victim.country);
  const visit = openVisit(draft, victim, newDevice(rng), remotePlace(rng, country), {});
  let t = draft.start + rng.int(1, 3) * MINUTE_MS;
  if (!scene.mimic) {
    victim.emailDomain = rng.pick(DISPOSABLE_EMAIL_DOMAINS);
    victim.phoneVerified = false;
    draft.emit("users", victim, t, userEvent(rng, t, "profile_update", victim));
  }
  t += rng.int(2, 8) * MINUTE_MS;
  const spec = fraudOrder(scene, victim, "account_takeover", {
    usd: Math.max(150, victim.baselineUsd * rng.between(3, 8)),
    shippingCountry: rng.chance(0.6) ? country.code : victim.country.code,
  });
  t = orderAndPay(draft, visit, t, spec, paymentOf(scene));
  return finish(victim, t);
}

// Orders placed through a VPN, an open proxy or TOR, often on a stolen card.
function anonymizedNetwork(scene: FraudScene): boolean {
  const { draft, population } = scene;
  const rng = draft.rng;
  const victim = population.pickAvailable(rng, draft.start);
  if (!victim) return false;
  const u = rng.float();
  const network = u < 0.5 ? { vpn: true } : u < 0.8 ? { proxy: true } : { tor: true };
  const place = remotePlace(rng, rng.pick(COUNTRIES), network);
  const device = rng.chance(0.5) ? newDevice(rng) : victim.devices[0];
  const visit = openVisit(draft, victim, device, place, { isNew: device !== victim.devices[0] });
  const t = draft.start + rng.int(1, 12) * MINUTE_MS;
  const spec = fraudOrder(scene, victim, "anonymized_network", {
    usd: Math.max(60, victim.baselineUsd * rng.between(1.5, 4)),
    shippingCountry: rng.chance(0.5) ? victim.country.code : place.country.code,
  });
  const card = rng.chance(0.5)
    ? { bin: cardBin(rng), country: rng.pick(COUNTRIES).code }
    : undefined;
  return finish(victim, orderAndPay(draft, visit, t, spec, paymentOf(scene, card)));
}

// Billed at home, shipped to a drop address in another (often high-risk) country.
function billingShippingMismatch(scene: FraudScene): boolean {
  const { draft, population } = scene;
  const rng = draft.rng;
  const victim = population.pickAvailable(rng, draft.start);
  if (!victim) return false;
  const device = rng.chance(0.5) ? newDevice(rng) : victim.devices[0];
  const visit = openVisit(draft, victim, device, homePlace(rng, victim), {
    isNew: device !== victim.devices[0],
  });
  const t = draft.start + rng.int(1, 12) * MINUTE_MS;
  const destination = rng.chance(0.7)
    ? rng.pick(HIGH_RISK_COUNTRIES)
    : otherCountry(rng, victim.country);
  const spec = fraudOrder(scene, victim, "billing_shipping_mismatch", {
    usd: Math.max(80, victim.baselineUsd * rng.between(1.5, 4)),
    shippingCountry: destination.code,
  });
  const card = rng.chance(0.5) ? { bin: cardBin(rng), country: destination.code } : undefined;
  return finish(victim, orderAndPay(draft, visit, t, spec, paymentOf(scene, card)));
}

// One order many times the shopper's usual spend, from their usual device and place.
function amountSpike(scene: FraudScene): boolean {
  const { draft, population } = scene;
  const rng = draft.rng;
  const victim = pickRegular(population, rng, draft.start) ??
    population.pickAvailable(rng, draft.start, 30);
  if (!victim) return false;
  const visit = openVisit(draft, victim, victim.devices[0], homePlace(rng, victim), {});
  const t = draft.start + rng.int(1, 12) * MINUTE_MS;
  const spec = fraudOrder(scene, victim, "amount_spike", {
    usd: victim.baselineUsd * rng.between(6, 20),
    category: rng.pick(["electronics", "jewelry"] as const),
  });
  return finish(victim, orderAndPay(draft, visit, t, spec, paymentOf(scene)));
}

// An account opened minutes ago with a throwaway mailbox places an expensive order.
function newAccount(scene: FraudScene): boolean {
  const { draft } = scene;
  const rng = draft.rng;
  const shopper = newShopper(rng, draft.start);
  shopper.emailDomain = rng.pick(DISPOSABLE_EMAIL_DOMAINS);
  shopper.kycStatus = "unverified";
  shopper.phoneVerified = false;
  shopper.announced = true;
  let t = draft.start;
  draft.emit("users", shopper, t, userEvent(rng, t, "signup", shopper));
  t += rng.int(1, 5) * SECOND_MS;
  const place = rng.chance(0.4)
    ? remotePlace(rng, rng.pick(HIGH_RISK_COUNTRIES))
    : homePlace(rng, shopper);
  const visit = openVisit(draft, shopper, shopper.devices[0], place, { isNew: true }, t);
  t += rng.int(2, 20) * MINUTE_MS;
  const spec = fraudOrder(scene, shopper, "new_account", {
    usd: rng.between(150, 1200),
    shippingCountry: rng.chance(0.4) ? rng.pick(HIGH_RISK_COUNTRIES).code : shopper.country.code,
  });
  return finish(shopper, orderAndPay(draft, visit, t, spec, paymentOf(scene)));
}

// Ordinary-looking purchases, each refunded within hours as "never arrived".
function refundAbuse(scene: FraudScene): boolean {
  const { draft, population } = scene;
  const rng = draft.rng;
  const abuser = population.pickAvailable(rng, draft.start, 30);
  if (!abuser) return false;
  const visit = openVisit(draft, abuser, abuser.devices[0], homePlace(rng, abuser), {});
  let t = draft.start + rng.int(1, 6) * MINUTE_MS;
  const orders = rng.int(2, 3);
  const payment: PaymentProfile = {
    riskRange: [0.05, 0.6],
    threeDsProbability: 0.6,
    declineProbability: 0.02,
    chargebackProbability: 0,
  };
  for (let i = 0; i < orders; i++) {
    const spec = fraudOrder(scene, abuser, "refund_abuse", {
      usd: abuser.baselineUsd * rng.between(1, 2.5),
      category: rng.pick(["fashion", "electronics", "beauty"] as const),
    });
    const order = orderEvent(rng, t, visit, spec);
    draft.emit("orders", abuser, t, order);
    const paidAt = t + rng.int(800, 6000);
    if (payForOrder(draft, visit, order, paidAt, payment) === "SUCCEEDED") {
      // The refund is the pattern itself, so it is kept inside the run even if that means early.
      const refundAt = draft.clamp(paidAt + rng.int(20 * MINUTE_MS, 8 * HOUR_MS));
      const reason = rng.chance(0.7) ? "item_not_received" : "not_as_described";
      draft.emit("refunds", abuser, refundAt, refundEvent(rng, refundAt, order, reason));
    }
    t = paidAt + rng.int(2, 6) * MINUTE_MS;
  }
  return finish(abuser, t);
}

// Seen at home, then minutes later thousands of kilometres away, and ordering from there.
function impossibleTravel(scene: FraudScene): boolean {
  const { draft, population } = scene;
  const rng = draft.rng;
  const victim = population.pickAvailable(rng, draft.start);
  if (!victim) return false;
  const home = homePlace(rng, victim);
  const device = rng.chance(0.5) ? newDevice(rng) : victim.devices[0];
  const visit = openVisit(draft, victim, device, home, { isNew: device !== victim.devices[0] });
  const far = farPlace(rng, home);
  const distanceKm = haversineKm(home.lat, home.lon, far.lat, far.lon);
  const maxGapMs = (distanceKm / IMPOSSIBLE_SPEED_KMH) * HOUR_MS;
  let t = draft.start + Math.floor(Math.min(rng.between(5, 45) * MINUTE_MS, maxGapMs));
  draft.emit("geo_events", victim, t, geoEvent(rng, t, visit, far));
  t += rng.int(30, 180) * SECOND_MS;
  const spec = fraudOrder(scene, victim, "impossible_travel", {
    usd: Math.max(60, victim.baselineUsd * rng.between(1.5, 5)),
    shippingCountry: rng.chance(0.5) ? far.country.code : victim.country.code,
  });
  return finish(victim, orderAndPay(draft, visit, t, spec, paymentOf(scene), far));
}

/** A place at least 2,000 km from `from`, so no feasible trip covers it in under an hour. */
function farPlace(rng: Random, from: Place): Place {
  const candidates = COUNTRIES.filter((country) =>
    country.cities.some((city) => haversineKm(from.lat, from.lon, city.lat, city.lon) > 2500)
  );
  for (;;) {
    const place = remotePlace(rng, rng.pick(candidates));
    if (haversineKm(from.lat, from.lon, place.lat, place.lon) > 2000) return place;
  }
}

function otherCountry(rng: Random, not: Country): Country {
  for (;;) {
    const country = rng.pick(SHOPPER_COUNTRIES);
    if (country !== not) return country;
  }
}

function pickRegular(population: Population, rng: Random, at: number): Shopper | undefined {
  const regulars = population.regulars;
  for (let attempt = 0; attempt < 4 && regulars.length > 0; attempt++) {
    const shopper = rng.pick(regulars);
    if (shopper.busyUntil < at) return shopper;
  }
  return undefined;
}

/** Emits the device and first geo event of a fraud session and returns the visit. */
function openVisit(
  draft: SessionDraft,
  shopper: Shopper,
  device: Device,
  place: Place,
  verdict: { isNew?: boolean; isEmulator?: boolean; botScore?: number },
  at = draft.start,
): Visit {
  const rng = draft.rng;
  const visit: Visit = { shopper, sessionId: rng.id("ses_"), device, place };
  const isNew = verdict.isNew ?? !shopper.devices.includes(device);
  draft.emit("devices", shopper, at, deviceEvent(rng, at, visit, { ...verdict, isNew }));
  const geoAt = at + rng.int(200, 1500);
  draft.emit("geo_events", shopper, geoAt, geoEvent(rng, geoAt, visit));
  if (!shopper.announced) {
    // The account service publishes the profile on first sight, whoever is at the keyboard.
    draft.emit(
      "users",
      shopper,
      geoAt + 100,
      userEvent(rng, geoAt + 100, "profile_snapshot", shopper),
    );
    shopper.announced = true;
  }
  return visit;
}

function fraudOrder(
  scene: FraudScene,
  shopper: Shopper,
  pattern: FraudPattern,
  overrides: Partial<OrderSpec> & { usd: number },
): OrderSpec {
  const rng = scene.draft.rng;
  const spec: OrderSpec = {
    category: FRAUD_CATEGORIES.sample(rng),
    paymentMethod: rng.chance(0.8) ? "credit_card" : shopper.paymentMethod,
    billingCountry: shopper.country.code,
    shippingCountry: shopper.country.code,
    fraudPattern: pattern,
    ...overrides,
  };
  if (!scene.mimic) return spec;
  // A card tester's small amounts are its pattern; every other amount moves near the baseline.
  const usd = pattern === "velocity_burst"
    ? spec.usd
    : shopper.baselineUsd * rng.between(MIMIC_AMOUNT_RANGE[0], MIMIC_AMOUNT_RANGE[1]);
  return {
    ...spec,
    usd,
    category: LEGIT_CATEGORIES.sample(rng),
    paymentMethod: shopper.paymentMethod,
  };
}

/** The payment of a fraud order: a suspicious one on `card` (stolen), or, mimicking, not. */
function paymentOf(
  scene: FraudScene,
  card?: { readonly bin: string; readonly country: string },
): PaymentProfile {
  if (scene.mimic) return MIMIC_PAYMENT;
  return card === undefined ? FRAUD_PAYMENT : { ...FRAUD_PAYMENT, card };
}

/** Emits an order at `at` (from `place` if given) and its payment; returns when it was paid. */
function orderAndPay(
  draft: SessionDraft,
  visit: Visit,
  at: number,
  spec: OrderSpec,
  payment: PaymentProfile,
  place?: Place,
): number {
  const rng = draft.rng;
  const orderVisit = place ? { ...visit, place } : visit;
  const order = orderEvent(rng, at, orderVisit, spec);
  draft.emit("orders", visit.shopper, at, order);
  const paidAt = at + rng.int(800, 6000);
  payForOrder(draft, orderVisit, order, paidAt, payment);
  return paidAt;
}

function finish(shopper: Shopper, lastAt: number): boolean {
  shopper.busyUntil = Math.max(shopper.busyUntil, lastAt + MINUTE_MS);
  return true;
}
