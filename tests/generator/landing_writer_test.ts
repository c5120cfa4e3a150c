import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { validateEvent } from "../../contracts/events/mod.ts";
import { LandingError } from "../../generator/errors.ts";
import { batchFileName, LandingWriter } from "../../generator/landing_writer.ts";
import { partitionFor } from "../../generator/partitioner.ts";
import { generateInto, readBatches, readLines, tempLanding } from "./_landing.ts";

Deno.test("each manifest matches its batch file: offsets, count, dates, bytes and sha256", () => {
  const landing = tempLanding();
  generateInto(landing);
  const batches = readBatches(landing);
  assert.ok(batches.length > 6);
  for (const batch of batches) {
    const { manifest } = batch;
    const lines = new TextDecoder().decode(batch.bytes).slice(0, -1).split("\n");
    assert.equal(batch.path.endsWith(batchFileName(manifest.start_offset)), true);
    assert.equal(manifest.topic, batch.topic);
    assert.equal(manifest.partition, batch.partition);
    assert.equal(manifest.count, lines.length);
    assert.equal(manifest.bytes, batch.bytes.length);
    assert.equal(manifest.sha256, createHash("sha256").update(batch.bytes).digest("hex"));
    const datesTotal = Object.values(manifest.event_dates).reduce((a, b) => a + b, 0);
    assert.equal(datesTotal, manifest.count);
    for (const line of lines) {
      const result = validateEvent(batch.topic, line);
      if (result.ok) assert.ok(manifest.event_dates[result.event.event_time.slice(0, 10)] > 0);
    }
  }
});

Deno.test("batches of a partition are contiguous and hold at most the batch size", () => {
  const landing = tempLanding();
  generateInto(landing, { batchSize: 500 });
  const next = new Map<string, number>();
  for (const batch of readBatches(landing)) {
    const key = `${batch.topic}/${batch.partition}`;
    assert.equal(batch.manifest.start_offset, next.get(key) ?? 0, key);
    assert.ok(batch.manifest.count <= 500);
    next.set(key, batch.manifest.start_offset + batch.manifest.count);
  }
});

Deno.test("a user's events all land in the partition Kafka's default partitioner picks", () => {
  const landing = tempLanding();
  generateInto(landing, { malformedRate: 0 });
  for (const line of readLines(landing)) {
    const userId = (JSON.parse(line.raw) as { user_id: string }).user_id;
    assert.equal(line.partition, partitionFor(userId, 6), line.raw);
  }
});

Deno.test("lines of a partition are in event-time order", () => {
  const landing = tempLanding();
  generateInto(landing, { malformedRate: 0 });
  const last = new Map<string, string>();
  for (const line of readLines(landing)) {
    const key = `${line.topic}/${line.partition}`;
    const time = (JSON.parse(line.raw) as { event_time: string }).event_time;
    assert.ok((last.get(key) ?? "") <= time, `${key} offset ${line.offset}`);
    last.set(key, time);
  }
});

Deno.test("a second run continues every partition's offsets and leaves earlier files untouched", () => {
  const landing = tempLanding();
  generateInto(landing);
  const before = new Map(readBatches(landing).map((b) => [b.path, b.bytes]));
  const ends = new Map<string, number>();
  for (const b of readBatches(landing)) {
    ends.set(`${b.topic}/${b.partition}`, b.manifest.start_offset + b.manifest.count);
  }
  generateInto(landing, { start: Date.UTC(2026, 0, 6) });
  const after = readBatches(landing);
  for (const [path, bytes] of before) {
    assert.deepEqual(after.find((b) => b.path === path)?.bytes, bytes, path);
  }
  const fresh = after.filter((b) => !before.has(b.path));
  assert.ok(fresh.length > 0);
  const firstNew = new Map<string, number>();
  for (const b of fresh) {
    const key = `${b.topic}/${b.partition}`;
    firstNew.set(key, Math.min(firstNew.get(key) ?? Infinity, b.manifest.start_offset));
  }
  for (const [key, start] of firstNew) assert.equal(start, ends.get(key) ?? 0, key);
});

Deno.test("the writer refuses to replace a batch file that appeared behind its back", () => {
  const landing = tempLanding();
  const writer = LandingWriter.open(landing, 2);
  Deno.mkdirSync(`${landing}/orders/3`, { recursive: true });
  Deno.writeTextFileSync(`${landing}/orders/3/${batchFileName(0)}`, "someone else's\n");
  writer.append("orders", 3, "{}", "2026-01-05");
  assert.throws(() => writer.append("orders", 3, "{}", "2026-01-05"), LandingError);
  assert.equal(
    Deno.readTextFileSync(`${landing}/orders/3/${batchFileName(0)}`),
    "someone else's\n",
  );
});
