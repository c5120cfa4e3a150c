// Turns one raw payload into a typed event or a rejection whose kind is a closed union and
// whose reason names the field and what is wrong, for bronze.rejected_events.
import type { z } from "zod";
import { AMOUNT_FIELDS, CURRENCIES } from "./common.ts";
import { EVENT_SCHEMAS, type EventOf, type Topic } from "./topics.ts";

/** Why a payload was rejected; `invalid_value` covers every other schema violation. */
export const REJECT_KINDS = [
  "broken_json",
  "missing_field",
  "wrong_type",
  "negative_amount",
  "unknown_currency",
  "invalid_value",
] as const;

export type RejectKind = typeof REJECT_KINDS[number];

export type Validation<T extends Topic> =
  | { ok: true; event: EventOf<T> }
  | { ok: false; kind: RejectKind; reason: string };

type Rejection = { ok: false; kind: RejectKind; reason: string };

/** Parses and checks `raw` against the contract of `topic`. Never throws. */
export function validateEvent<T extends Topic>(topic: T, raw: string): Validation<T> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return reject("broken_json", `Broken JSON in ${topic} event: ${detail}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    return reject(
      "broken_json",
      `Broken JSON in ${topic} event: expected an object, got ${typeName(parsed)}`,
    );
  }
  const result = EVENT_SCHEMAS[topic].safeParse(parsed);
  if (result.success) return { ok: true, event: result.data as EventOf<T> };
  return classify(topic, parsed, result.error.issues);
}

const PRIORITY: readonly RejectKind[] = [
  "missing_field",
  "wrong_type",
  "negative_amount",
  "unknown_currency",
  "invalid_value",
];

// The most telling issue is reported; the others are counted so nothing is hidden.
function classify(topic: Topic, parsed: object, issues: readonly z.core.$ZodIssue[]): Rejection {
  const described = issues.map((issue) => describeIssue(topic, parsed, issue));
  described.sort((a, b) => PRIORITY.indexOf(a.kind) - PRIORITY.indexOf(b.kind));
  const [first] = described;
  const more = described.length - 1;
  const suffix = more > 0 ? ` (and ${more} more problem${more === 1 ? "" : "s"})` : "";
  return reject(first.kind, first.reason + suffix);
}

function describeIssue(topic: Topic, parsed: object, issue: z.core.$ZodIssue): Rejection {
  const field = formatPath(issue.path);
  const value = valueAt(parsed, issue.path);
  const last = issue.path[issue.path.length - 1];
  // Zod reports an absent enum field as a bad value, not a bad type: absence is checked first.
  if (value === undefined && issue.path.length > 0) {
    return reject("missing_field", `Missing required field '${field}' in ${topic} event`);
  }
  if (issue.code === "invalid_type") {
    return reject(
      "wrong_type",
      `Wrong type for field '${field}' in ${topic} event: expected ${issue.expected}, got ${
        typeName(value)
      } ${preview(value)}`,
    );
  }
  if (
    issue.code === "too_small" && typeof value === "number" && value < 0 &&
    (AMOUNT_FIELDS as readonly PropertyKey[]).includes(last)
  ) {
    return reject(
      "negative_amount",
      `Negative amount in field '${field}' of ${topic} event: ${value}; amounts are never below 0`,
    );
  }
  if (issue.code === "invalid_value" && last === "currency") {
    return reject(
      "unknown_currency",
      `Unknown currency ${
        preview(value)
      } in field '${field}' of ${topic} event: the shop supports ${CURRENCIES.join(", ")}`,
    );
  }
  return reject(
    "invalid_value",
    `Invalid value ${preview(value)} for field '${field}' in ${topic} event: ${issue.message}`,
  );
}

function reject(kind: RejectKind, reason: string): Rejection {
  return { ok: false, kind, reason };
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    out += typeof segment === "number" ? `[${segment}]` : `${out ? "." : ""}${String(segment)}`;
  }
  return out || "(root)";
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = root;
  for (const segment of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
