// The life of one payment: an immediate outcome or PENDING that a later event with the same
// payment_id settles, and for some successful payments a chargeback days later.
import type {
  OrderEvent,
  PaymentEvent,
  PaymentMethod,
  PaymentProvider,
  PaymentStatus,
} from "../contracts/events/mod.ts";
import { iso, type Visit } from "./event_factory.ts";
import type { Random } from "./random.ts";
import type { SessionDraft } from "./session_draft.ts";

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** How risky the payment looks and how it tends to end. */
export interface PaymentProfile {
  /** Range of the provider's risk score. */
  readonly riskRange: readonly [number, number];
  readonly threeDsProbability: number;
  readonly declineProbability: number;
  readonly chargebackProbability: number;
  /** A card other than the shopper's own (stolen), with its issuing country. */
  readonly card?: { readonly bin: string; readonly country: string };
}

export const LEGIT_PAYMENT: PaymentProfile = {
  riskRange: [0, 0.45],
  threeDsProbability: 0.72,
  declineProbability: 0.05,
  chargebackProbability: 0.002,
};

const PENDING_PROBABILITY: Readonly<Record<PaymentMethod, number>> = {
  credit_card: 0.03,
  debit_card: 0.03,
  apple_pay: 0.02,
  google_pay: 0.02,
  paypal: 0.06,
  buy_now_pay_later: 0.3,
  bank_transfer: 0.65,
};

const CARD_METHODS: ReadonlySet<PaymentMethod> = new Set([
  "credit_card",
  "debit_card",
  "apple_pay",
  "google_pay",
]);

function providerFor(rng: Random, method: PaymentMethod): PaymentProvider {
  if (method === "paypal") return "paypal";
  if (method === "buy_now_pay_later") return "klarna";
  if (method === "bank_transfer") return "bank";
  return rng.chance(0.6) ? "stripe" : "adyen";
}

/** Emits the payment events of `order` and returns its last status inside the run. */
export function payForOrder(
  draft: SessionDraft,
  visit: Visit,
  order: OrderEvent,
  at: number,
  profile: PaymentProfile,
): PaymentStatus {
  // A payment after the run's end is not emitted, and so is never settled inside the run either.
  if (!draft.fits(at)) return "PENDING";
  const rng = draft.rng;
  const method = order.payment_method;
  const isCard = CARD_METHODS.has(method);
  const [riskLow, riskHigh] = profile.riskRange;
  const risk = Math.round((riskLow + (riskHigh - riskLow) * rng.float() ** 1.5) * 1000) / 1000;
  const paymentId = rng.id("pay_");
  const provider = providerFor(rng, method);
  const cardBin = isCard ? (profile.card?.bin ?? visit.shopper.cardBin) : null;
  const cardCountry = isCard ? (profile.card?.country ?? visit.shopper.country.code) : null;
  const threeDs = isCard && rng.chance(profile.threeDsProbability);
  const payment = (when: number, status: PaymentStatus, reason: string | null): void => {
    // Built in contract order so the raw payload reads like the schema.
    const event: PaymentEvent = {
      event_id: rng.id("evt_"),
      event_time: iso(when),
      payment_id: paymentId,
      order_id: order.order_id,
      user_id: order.user_id,
      status,
      amount: order.amount,
      currency: order.currency,
      payment_method: method,
      provider,
      card_bin: cardBin,
      card_country: cardCountry,
      is_3ds_authenticated: threeDs,
      provider_risk_score: risk,
      decline_reason: reason,
      attempt: 1,
    };
    draft.emit("payments", visit.shopper, when, event);
  };

  let status = finalOutcome(rng, profile.declineProbability);
  if (rng.chance(PENDING_PROBABILITY[method])) {
    payment(at, "PENDING", null);
    // Settles minutes to hours later; a settlement must land inside the run, so it is clamped.
    at = draft.clamp(at + rng.int(2 * MINUTE_MS, 6 * 60 * MINUTE_MS));
    status = finalOutcome(rng, profile.declineProbability + 0.04);
  }
  payment(at, status, declineReason(rng, status));
  if (status === "SUCCEEDED" && rng.chance(profile.chargebackProbability)) {
    const disputedAt = at + rng.int(DAY_MS, 20 * DAY_MS);
    if (draft.fits(disputedAt)) {
      payment(disputedAt, "CHARGEBACK", "dispute_fraudulent");
      return "CHARGEBACK";
    }
  }
  return status;
}

function finalOutcome(rng: Random, declineProbability: number): PaymentStatus {
  const u = rng.float();
  if (u < declineProbability) return "DECLINED";
  if (u < declineProbability + 0.012) return "FAILED";
  return "SUCCEEDED";
}

function declineReason(rng: Random, status: PaymentStatus): string | null {
  if (status === "DECLINED") {
    return rng.pick(["insufficient_funds", "do_not_honor", "suspected_fraud", "expired_card"]);
  }
  if (status === "FAILED") return rng.pick(["processor_error", "timeout"]);
  return null;
}
