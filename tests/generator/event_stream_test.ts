import assert from "node:assert/strict";
import type { StreamRecord } from "../../contracts/events/mod.ts";
import { generateEvents } from "../../generator/event_stream.ts";
import { TEST_START } from "./_landing.ts";

const DAY_MS = 86_400_000;

function collect(events: number, days = 1): StreamRecord[] {
  const records: StreamRecord[] = [];
  generateEvents(
    {
      seed: 3,
      events,
      start: TEST_START,
      end: TEST_START + days * DAY_MS,
      fraudRate: 0.03,
      malformedRate: 0,
    },
    (record) => records.push(record),
  );
  return records;
}

Deno.test("generateEvents produces exactly the requested number of lines, all inside the run", () => {
  const records = collect(12_345, 2);
  assert.equal(records.length, 12_345);
  const times = records.map((r) => Date.parse(JSON.parse(r.line).event_time));
  assert.ok(times.every((t) => t >= TEST_START && t < TEST_START + 2 * DAY_MS));
  assert.ok(times.every((t, i) => i === 0 || times[i - 1] <= t), "records are in time order");
});

Deno.test("traffic is quiet at night and peaks in the evening", () => {
  const perHour = new Array(24).fill(0);
  for (const record of collect(30_000)) {
    perHour[new Date(JSON.parse(record.line).event_time).getUTCHours()]++;
  }
  assert.ok(perHour[20] > 3 * perHour[4], `20h: ${perHour[20]}, 4h: ${perHour[4]}`);
});

Deno.test("all six topics are present with a shop's proportions", () => {
  const counts = new Map<string, number>();
  for (const record of collect(20_000)) {
    counts.set(record.topic, (counts.get(record.topic) ?? 0) + 1);
  }
  assert.equal(counts.size, 6);
  assert.ok(counts.get("geo_events")! > counts.get("orders")!);
  assert.ok(counts.get("payments")! >= counts.get("orders")!);
  assert.ok(counts.get("orders")! > counts.get("refunds")!);
});
