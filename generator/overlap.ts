// Overlap between legitimate and fraudulent traffic, so the data tests a model: without it a
// model scored ROC-AUC 0.993 on a validation day (payment risk alone nearly separated the
// classes), which real fraud never allows. Every knob is a share drawn from the seeded stream,
// so a seed still gives byte-identical output; README ("The generator") says why each exists.
import type { MerchantCategory } from "../contracts/events/mod.ts";
import type { PaymentProfile } from "./payment_flow.ts";
import { Weighted } from "./random.ts";

/** Legitimate sessions from abroad without an anonymizer: holidays and business trips. */
export const TRAVEL_SHARE = 0.03;
/** Of those, the share in a country on the high-risk list (people do travel there). */
export const TRAVEL_HIGH_RISK_SHARE = 0.15;

/** Legitimate orders many times the shopper's usual basket: a television, a holiday. */
export const BIG_BUY_SHARE = 0.02;
/** How many times the shopper's baseline a big buy spends. */
export const BIG_BUY_RANGE: readonly [number, number] = [4, 12];
export const BIG_BUY_CATEGORIES = Weighted.of<MerchantCategory>({
  fashion: 0,
  home: 2,
  electronics: 5,
  beauty: 0,
  grocery: 0,
  sports: 1,
  toys: 0,
  books: 0,
  digital_goods: 0,
  gift_cards: 1,
  jewelry: 2,
  travel: 3,
});

/**
 * Legitimate payments the provider scores as risky (a new card, a travelling shopper, a big
 * basket): providers' scores overlap for honest and fraudulent payments.
 */
export const RISKY_LEGIT_PAYMENT_SHARE = 0.06;
export const RISKY_LEGIT_PAYMENT: PaymentProfile = {
  riskRange: [0.25, 0.85],
  threeDsProbability: 0.5,
  declineProbability: 0.12,
  chargebackProbability: 0.004,
};

/**
 * Fraud that imitates its victim's habits: the victim's payment method and usual categories,
 * amounts near the victim's baseline, from the victim's country, and a payment the provider
 * does not find suspicious. One fraud session in eight does; its pattern stays as labelled.
 */
export const MIMIC_SHARE = 0.12;
export const MIMIC_PAYMENT: PaymentProfile = {
  riskRange: [0.02, 0.55],
  threeDsProbability: 0.55,
  declineProbability: 0.08,
  chargebackProbability: 0.45,
};
/** How many times the victim's baseline a mimicking order spends. */
export const MIMIC_AMOUNT_RANGE: readonly [number, number] = [0.8, 2.5];

/**
 * Label noise, as a shop's chargeback-based labels have it: 2% of fraudulent orders are never
 * reported (labelled legitimate; their fraud_pattern still says what they were), and as many
 * legitimate orders are disputed by their own buyers (labelled fraud, with no pattern).
 */
export const LABEL_NOISE = 0.02;
