// checkLine is bronze's fast path for validateEvent: these tests hold it to the same verdict,
// kind and reason on generated lines (valid and malformed) and on every field of every topic
// broken in each way the contract refuses, and check that the fast path is taken at all.
import assert from "node:assert/strict";
import type { z } from "zod";
import {
  EVENT_SCHEMAS,
  type StreamRecord,
  type Topic,
  TOPICS,
  validateEvent,
} from "../../contracts/events/mod.ts";
import { generateEvents } from "../../generator/event_stream.ts";
import { checkLine, compileAccept } from "../../ingest/line_check.ts";

const DAY_MS = 86_400_000;

/** validateEvent's verdict in checkLine's shape. */
function expected(topic: Topic, line: string) {
  const result = validateEvent(topic, line);
  return result.ok ? { ok: true } : { ok: false, kind: result.kind, reason: result.reason };
}

function generated(malformedRate: number): StreamRecord[] {
  const records: StreamRecord[] = [];
  const start = Date.parse("2026-03-01T00:00:00Z");
  generateEvents(
    { seed: 4242, events: 6_000, start, end: start + DAY_MS, fraudRate: 0.05, malformedRate },
    (record) => records.push(record),
  );
  return records;
}

/** Values that break a field in every way the contracts tell apart, and some they accept. */
const REPLACEMENTS: readonly unknown[] = [
  undefined,
  null,
  "",
  "x",
  "2026-03-01",
  "2026-03-01T10:00:00",
  "2026-03-01T10:00:00Z",
  "2026-02-30T10:00:00Z",
  -1,
  0,
  0.5,
  1.5,
  1e300,
  2 ** 60,
  true,
  [],
  [{}],
  {},
  "XXX",
];

/** Every top-level and nested field of `value` replaced by each value above, one at a time. */
function* mutations(value: unknown): Generator<unknown> {
  if (typeof value !== "object" || value === null) return;
  for (const key of Object.keys(value)) {
    const child = (value as Record<string, unknown>)[key];
    for (const replacement of REPLACEMENTS) yield replaced(value, key, replacement);
    for (const inner of mutations(child)) yield replaced(value, key, inner);
  }
}

function replaced(value: object, key: string, replacement: unknown): unknown {
  const copy: unknown = Array.isArray(value) ? [...value] : { ...value };
  (copy as Record<string, unknown>)[key] = replacement;
  return copy;
}

Deno.test("checkLine compiles a fast path for every topic's contract", () => {
  for (const topic of TOPICS) {
    assert.notEqual(
      compileAccept(EVENT_SCHEMAS[topic] as unknown as z.ZodType),
      undefined,
      topic,
    );
  }
});

Deno.test("checkLine gives validateEvent's verdict on a generated day, malformed lines included", () => {
  let rejected = 0;
  for (const record of generated(0.05)) {
    const verdict = checkLine(record.topic, record.line);
    assert.deepEqual(verdict, expected(record.topic, record.line), record.line);
    if (!verdict.ok) rejected++;
  }
  assert.ok(rejected > 0, "the day holds malformed lines");
});

Deno.test("checkLine gives validateEvent's verdict, kind and reason for every field broken every way", () => {
  const firstOf = new Map<Topic, string>();
  for (const record of generated(0)) {
    if (!firstOf.has(record.topic)) firstOf.set(record.topic, record.line);
  }
  let lines = 0;
  for (const topic of TOPICS) {
    const line = firstOf.get(topic);
    assert.ok(line !== undefined, `a generated ${topic} event`);
    const event = JSON.parse(line);
    const variants = [
      ...mutations(event),
      { ...event, extra_field: "ignored" },
      null,
      [],
      "text",
      42,
    ];
    for (const variant of variants) {
      const mutated = JSON.stringify(variant) ?? "";
      assert.deepEqual(checkLine(topic, mutated), expected(topic, mutated), mutated);
      lines++;
    }
    for (const broken of ["", "{", line.slice(0, -1), `${line}x`, "\u0000"]) {
      assert.deepEqual(checkLine(topic, broken), expected(topic, broken), broken);
    }
  }
  assert.ok(lines > 1_000, `${lines} mutated lines`);
});
