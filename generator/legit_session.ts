// An ordinary visit: device and location signals, the profile on first sight, and often an
// order with its payment, sometimes refunded; some noise (VPNs, travel, gifts abroad, big
// baskets, new phones, payments scored risky; see overlap.ts) keeps legitimate traffic from
// being trivially separable from fraud.
import {
  type MerchantCategory,
  PAYMENT_METHODS,
  type RefundReason,
} from "../contracts/events/mod.ts";
import type { Shopper } from "./population.ts";
import { newDevice } from "./population.ts";
import {
  deviceEvent,
  geoEvent,
  homePlace,
  orderEvent,
  type Place,
  refundEvent,
  remotePlace,
  userEvent,
  type Visit,
} from "./event_factory.ts";
import { HIGH_RISK_COUNTRIES, SHOPPER_COUNTRIES } from "./geography.ts";
import {
  BIG_BUY_CATEGORIES,
  BIG_BUY_RANGE,
  BIG_BUY_SHARE,
  RISKY_LEGIT_PAYMENT,
  RISKY_LEGIT_PAYMENT_SHARE,
  TRAVEL_HIGH_RISK_SHARE,
  TRAVEL_SHARE,
} from "./overlap.ts";
import { LEGIT_PAYMENT, payForOrder } from "./payment_flow.ts";
import { Weighted } from "./random.ts";
import type { SessionDraft } from "./session_draft.ts";

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** What honest shoppers buy, and what fraud imitating them buys too. */
export const LEGIT_CATEGORIES = Weighted.of<MerchantCategory>({
  fashion: 18,
  home: 14,
  electronics: 12,
  beauty: 10,
  grocery: 12,
  sports: 8,
  toys: 6,
  books: 8,
  digital_goods: 5,
  gift_cards: 2,
  jewelry: 2,
  travel: 3,
});

const LEGIT_REFUND_REASONS = Weighted.of<RefundReason>({
  damaged: 25,
  not_as_described: 25,
  changed_mind: 35,
  item_not_received: 10,
  duplicate_charge: 5,
});

/** Emits one legitimate session of `shopper` starting at `draft.start`. */
export function legitSession(draft: SessionDraft, shopper: Shopper, isSignup: boolean): void {
  const rng = draft.rng;
  let t = draft.start;
  const isNewDevice = isSignup || rng.chance(0.02);
  const device = isNewDevice
    ? newDevice(rng)
    : rng.chance(0.7)
    ? shopper.devices[0]
    : rng.pick(shopper.devices);
  if (isNewDevice && !isSignup) shopper.devices.push(device);
  const visit: Visit = {
    shopper,
    sessionId: rng.id("ses_"),
    device,
    place: legitPlace(draft, shopper),
  };

  if (isSignup) {
    draft.emit("users", shopper, t, userEvent(rng, t, "signup", shopper));
    shopper.announced = true;
  }
  draft.emit("devices", shopper, t, deviceEvent(rng, t, visit, { isNew: isNewDevice }));
  t += rng.int(200, 1500);
  draft.emit("geo_events", shopper, t, geoEvent(rng, t, visit));
  if (!shopper.announced) {
    t += rng.int(50, 500);
    draft.emit("users", shopper, t, userEvent(rng, t, "profile_snapshot", shopper));
    shopper.announced = true;
  } else if (rng.chance(0.004)) {
    shopper.phoneVerified = true;
    if (shopper.kycStatus === "pending") shopper.kycStatus = "verified";
    t += rng.int(50, 500);
    draft.emit("users", shopper, t, userEvent(rng, t, "profile_update", shopper));
  }

  if (rng.chance(isSignup ? 0.6 : 0.5)) {
    t += 20_000 + Math.min(rng.exponential(4 * MINUTE_MS), 40 * MINUTE_MS);
    const orders = rng.chance(0.92) ? 1 : 2;
    for (let i = 0; i < orders; i++) {
      if (rng.chance(0.35)) {
        draft.emit("geo_events", shopper, t - 3000, geoEvent(rng, t - 3000, visit));
      }
      t = placeLegitOrder(draft, visit, t);
      t += rng.int(MINUTE_MS, 8 * MINUTE_MS);
    }
  }
  shopper.busyUntil = Math.max(shopper.busyUntil, t + MINUTE_MS);
}

function legitPlace(draft: SessionDraft, shopper: Shopper): Place {
  const rng = draft.rng;
  const u = rng.float();
  // Privacy-minded shoppers exist: anonymized traffic is a signal, not proof.
  if (u < 0.03) return remotePlace(rng, rng.pick(SHOPPER_COUNTRIES), { vpn: true });
  if (u < 0.036) return remotePlace(rng, shopper.country, { proxy: true });
  if (u < 0.037) return remotePlace(rng, rng.pick(SHOPPER_COUNTRIES), { tor: true });
  // Shoppers travel, now and then to a country on the high-risk list.
  if (u < 0.037 + TRAVEL_SHARE) {
    const abroad = rng.chance(TRAVEL_HIGH_RISK_SHARE)
      ? rng.pick(HIGH_RISK_COUNTRIES)
      : rng.pick(SHOPPER_COUNTRIES.filter((country) => country !== shopper.country));
    return remotePlace(rng, abroad);
  }
  return homePlace(rng, shopper);
}

/** Places an order with its payment (and maybe a refund) at `at`; returns when it was paid. */
function placeLegitOrder(draft: SessionDraft, visit: Visit, at: number): number {
  const rng = draft.rng;
  const shopper = visit.shopper;
  const home = shopper.country.code;
  // Now and then an honest basket many times the usual one.
  const bigBuy = rng.chance(BIG_BUY_SHARE);
  const order = orderEvent(rng, at, visit, {
    usd: bigBuy
      ? shopper.baselineUsd * rng.between(BIG_BUY_RANGE[0], BIG_BUY_RANGE[1])
      : Math.max(3, rng.logNormal(shopper.baselineUsd, 0.35)),
    category: bigBuy ? BIG_BUY_CATEGORIES.sample(rng) : LEGIT_CATEGORIES.sample(rng),
    paymentMethod: rng.chance(0.75) ? shopper.paymentMethod : rng.pick(PAYMENT_METHODS),
    billingCountry: home,
    // Gifts to family abroad: a mismatch that is not fraud.
    shippingCountry: rng.chance(0.97) ? home : rng.pick(SHOPPER_COUNTRIES).code,
    fraudPattern: null,
  });
  draft.emit("orders", shopper, at, order);
  const paidAt = at + rng.int(800, 6000);
  // Providers score unusual honest payments (abroad, a big basket, a new card) as risky too.
  const unusual = bigBuy || visit.place.country !== shopper.country;
  const risky = rng.chance(unusual ? 0.35 : RISKY_LEGIT_PAYMENT_SHARE);
  const status = payForOrder(
    draft,
    visit,
    order,
    paidAt,
    risky ? RISKY_LEGIT_PAYMENT : LEGIT_PAYMENT,
  );
  if (status === "SUCCEEDED" && rng.chance(0.035)) {
    const refundAt = paidAt + rng.int(HOUR_MS, 18 * HOUR_MS);
    if (draft.fits(refundAt)) {
      const fraction = rng.chance(0.8) ? 1 : 0.5;
      const refund = refundEvent(rng, refundAt, order, LEGIT_REFUND_REASONS.sample(rng), fraction);
      draft.emit("refunds", shopper, refundAt, refund);
    }
  }
  return paidAt;
}
