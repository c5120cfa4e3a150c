// Deliberately broken payloads, one per rejection kind bronze must quarantine; each is derived
// from a real event so it lands in the same topic, partition and time as the event it replaces.
import type { AnyEvent, RejectKind, Topic } from "../contracts/events/mod.ts";
import type { Random } from "./random.ts";

/** The kinds the generator injects; `invalid_value` is left to real-world surprises. */
export const MALFORMED_KINDS = [
  "broken_json",
  "missing_field",
  "wrong_type",
  "negative_amount",
  "unknown_currency",
] as const satisfies readonly RejectKind[];

export type MalformedKind = typeof MALFORMED_KINDS[number];

const MONEY_TOPICS: ReadonlySet<Topic> = new Set(["orders", "payments", "refunds"]);

/** Fields whose absence a consumer cannot work around. */
const REQUIRED_FIELDS: Readonly<Record<Topic, readonly string[]>> = {
  orders: ["order_id", "user_id", "amount", "event_time"],
  payments: ["payment_id", "order_id", "status", "event_time"],
  users: ["user_id", "account_created_at", "event_time"],
  devices: ["device_id", "user_id", "event_time"],
  geo_events: ["user_id", "latitude", "event_time"],
  refunds: ["refund_id", "order_id", "amount", "event_time"],
};

/** A field and a value of the wrong JSON type for it. */
const WRONG_TYPES: Readonly<Record<Topic, (event: Record<string, unknown>) => [string, unknown]>> =
  {
    orders: (e) => ["amount", String(e.amount)],
    payments: (e) => ["amount", String(e.amount)],
    refunds: (e) => ["amount", String(e.amount)],
    users: (e) => ["account_created_at", Date.parse(String(e.account_created_at))],
    devices: (e) => ["is_emulator", String(e.is_emulator)],
    geo_events: (e) => ["latitude", String(e.latitude)],
  };

const UNKNOWN_CURRENCIES = ["XXX", "BTC", "ZZZ", "usd"] as const;

export interface MalformedPayload {
  readonly kind: MalformedKind;
  readonly line: string;
}

/** Chooses a kind that makes sense for the topic and breaks `event` that way. */
export function malform(rng: Random, topic: Topic, event: AnyEvent): MalformedPayload {
  const kinds: readonly MalformedKind[] = MONEY_TOPICS.has(topic)
    ? MALFORMED_KINDS
    : ["broken_json", "missing_field", "wrong_type"];
  const kind = rng.pick(kinds);
  return { kind, line: malformAs(rng, topic, event, kind) };
}

/** Breaks `event` in the given way; money kinds require a topic with an amount and currency. */
export function malformAs(rng: Random, topic: Topic, event: AnyEvent, kind: MalformedKind): string {
  const copy: Record<string, unknown> = { ...event };
  switch (kind) {
    case "broken_json": {
      // Any proper prefix of a JSON object is invalid: its closing brace is the last character.
      const text = JSON.stringify(event);
      return text.slice(0, rng.int(Math.floor(text.length / 3), text.length - 2));
    }
    case "missing_field":
      delete copy[rng.pick(REQUIRED_FIELDS[topic])];
      break;
    case "wrong_type": {
      const [field, value] = WRONG_TYPES[topic](copy);
      copy[field] = value;
      break;
    }
    case "negative_amount":
      copy.amount = -Math.abs(Number(copy.amount) || 1);
      break;
    case "unknown_currency":
      copy.currency = rng.pick(UNKNOWN_CURRENCIES);
      break;
  }
  return JSON.stringify(copy);
}
