// How each topic's event is built from a shopper, a session and a place: the one spot that
// fills contract fields, shared by legitimate sessions and fraud patterns.
import type {
  DeviceEvent,
  FraudPattern,
  GeoEvent,
  MerchantCategory,
  OrderEvent,
  PaymentMethod,
  RefundEvent,
  RefundReason,
  UserEvent,
  UserEventType,
} from "../contracts/events/mod.ts";
import type { City, Country } from "./geography.ts";
import { priceBasket } from "./money.ts";
import type { Device, Shopper } from "./population.ts";
import type { Random } from "./random.ts";

/** Where a session's requests come from, as IP intelligence sees it. */
export interface Place {
  readonly country: Country;
  readonly city: City;
  readonly lat: number;
  readonly lon: number;
  readonly ip: string;
  readonly vpn: boolean;
  readonly proxy: boolean;
  readonly tor: boolean;
}

/** One visit: who, on which device, from where. */
export interface Visit {
  readonly shopper: Shopper;
  readonly sessionId: string;
  readonly device: Device;
  readonly place: Place;
}

export function iso(at: number): string {
  return new Date(at).toISOString();
}

/** Near the shopper's home, on their usual ISP. */
export function homePlace(rng: Random, shopper: Shopper): Place {
  return {
    country: shopper.country,
    city: shopper.city,
    lat: round4(shopper.lat + rng.between(-0.02, 0.02)),
    lon: round4(shopper.lon + rng.between(-0.02, 0.02)),
    ip: `${shopper.ipPrefix}${rng.int(0, 255)}.${rng.int(1, 254)}`,
    vpn: false,
    proxy: false,
    tor: false,
  };
}

/** Somewhere in `country`, optionally behind an anonymizing network. */
export function remotePlace(
  rng: Random,
  country: Country,
  network: { vpn?: boolean; proxy?: boolean; tor?: boolean } = {},
): Place {
  const city = rng.pick(country.cities);
  return {
    country,
    city,
    lat: round4(city.lat + rng.between(-0.05, 0.05)),
    lon: round4(city.lon + rng.between(-0.05, 0.05)),
    ip: `${rng.int(11, 223)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
    vpn: network.vpn ?? false,
    proxy: network.proxy ?? false,
    tor: network.tor ?? false,
  };
}

export function deviceEvent(
  rng: Random,
  at: number,
  visit: Visit,
  verdict: { isNew: boolean; isEmulator?: boolean; botScore?: number },
): DeviceEvent {
  const botScore = verdict.botScore ?? round3(rng.float() ** 4 * 0.4);
  return {
    event_id: rng.id("evt_"),
    event_time: iso(at),
    device_id: visit.device.id,
    user_id: visit.shopper.id,
    session_id: visit.sessionId,
    fingerprint: visit.device.fingerprint,
    device_type: visit.device.type,
    os: visit.device.os,
    browser: visit.device.browser,
    is_new_device: verdict.isNew,
    is_emulator: verdict.isEmulator ?? false,
    is_bot: botScore >= 0.8,
    bot_score: botScore,
  };
}

export function geoEvent(rng: Random, at: number, visit: Visit, place = visit.place): GeoEvent {
  return {
    event_id: rng.id("evt_"),
    event_time: iso(at),
    user_id: visit.shopper.id,
    session_id: visit.sessionId,
    device_id: visit.device.id,
    ip_address: place.ip,
    ip_country: place.country.code,
    city: place.city.name,
    latitude: place.lat,
    longitude: place.lon,
    is_vpn: place.vpn,
    is_proxy: place.proxy,
    is_tor: place.tor,
  };
}

export function userEvent(
  rng: Random,
  at: number,
  type: UserEventType,
  shopper: Shopper,
): UserEvent {
  return {
    event_id: rng.id("evt_"),
    event_time: iso(at),
    event_type: type,
    user_id: shopper.id,
    account_created_at: iso(shopper.createdAt),
    home_country: shopper.country.code,
    email_domain: shopper.emailDomain,
    kyc_status: shopper.kycStatus,
    phone_verified: shopper.phoneVerified,
  };
}

export interface OrderSpec {
  readonly usd: number;
  readonly category: MerchantCategory;
  readonly paymentMethod: PaymentMethod;
  readonly billingCountry: string;
  readonly shippingCountry: string;
  readonly fraudPattern: FraudPattern | null;
}

export function orderEvent(rng: Random, at: number, visit: Visit, spec: OrderSpec): OrderEvent {
  const basket = priceBasket(rng, spec.usd, visit.shopper.currency);
  const device = visit.device;
  return {
    event_id: rng.id("evt_"),
    event_time: iso(at),
    order_id: rng.id("ord_"),
    user_id: visit.shopper.id,
    session_id: visit.sessionId,
    device_id: device.id,
    ip_address: visit.place.ip,
    amount: basket.amount,
    currency: visit.shopper.currency,
    payment_method: spec.paymentMethod,
    billing_country: spec.billingCountry,
    shipping_country: spec.shippingCountry,
    merchant_category: spec.category,
    channel: device.type === "desktop"
      ? "web"
      : device.os === "iOS" || device.os === "iPadOS"
      ? (rng.chance(0.7) ? "ios_app" : "web")
      : (rng.chance(0.7) ? "android_app" : "web"),
    item_count: basket.items.reduce((sum, item) => sum + item.quantity, 0),
    items: basket.items,
    is_fraud: spec.fraudPattern !== null,
    fraud_pattern: spec.fraudPattern,
  };
}

export function refundEvent(
  rng: Random,
  at: number,
  order: OrderEvent,
  reason: RefundReason,
  fraction = 1,
): RefundEvent {
  const amount = order.currency === "JPY"
    ? Math.round(order.amount * fraction)
    : Math.round(order.amount * fraction * 100) / 100;
  return {
    event_id: rng.id("evt_"),
    event_time: iso(at),
    refund_id: rng.id("ref_"),
    order_id: order.order_id,
    user_id: order.user_id,
    amount,
    currency: order.currency,
    reason,
    status: rng.chance(0.85) ? "APPROVED" : "REQUESTED",
  };
}

export function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function round4(value: number): number {
  return Math.round(value * 10000) / 10000;
}
