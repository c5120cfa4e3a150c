// Bronze part sets fed by Kafka batches, on PGlite and the filesystem lake: appends make each
// segment a part of its day, compaction merges the parts into one in offset order and keeps the
// day's version, and two compactions racing leave every record exactly once.
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Topic } from "../../../contracts/events/mod.ts";
import { openDuckDb } from "../../../resources/duckdb/duckdb.ts";
import {
  appendSegments,
  type BronzeTarget,
  compactDay,
  type SegmentPart,
} from "../../../ingest/kafka/bronze_parts.ts";
import { writeSegments } from "../../../ingest/kafka/segment_writer.ts";
import { BRONZE_FILE } from "../../../ingest/landing/day_ingest.ts";
import { assetKey } from "../../../runtime/definitions/asset_key.ts";
import { createLogger } from "../../../runtime/logger.ts";
import { locationParts } from "../../../runtime/definitions/part_set.ts";
import { partitionKey } from "../../../runtime/partitions/partition_key.ts";
import type { RunId } from "../../../runtime/store/metadata_store.ts";
import type { CodeVersion } from "../../../runtime/definitions/version.ts";
import { ingestRun, openHarness } from "../../support/runtime_harness.ts";

const TOPIC: Topic = "refunds";
const DAY = partitionKey("2026-11-01");
const TARGET: BronzeTarget = {
  bronzeKey: (topic) => assetKey(`bronze.${topic}`),
  sourceKey: (topic) => assetKey(`kafka.${topic}`),
  codeVersion: "code" as CodeVersion,
  runId: "ingest-1" as RunId,
};
const log = createLogger([], "error");

function refund(i: number): string {
  return JSON.stringify({
    event_id: `r-${i}`,
    event_time: `2026-11-01T10:00:${String(i % 60).padStart(2, "0")}.000Z`,
    refund_id: `refund-${i}`,
    order_id: `order-${i}`,
    user_id: `user-${i % 7}`,
    amount: 10 + i,
    currency: "EUR",
    reason: "damaged",
    status: "REQUESTED",
  });
}

async function setup() {
  const h = await openHarness([]);
  await h.store.runs.startRun(ingestRun(TARGET.runId, new Date()));
  const duckdb = await openDuckDb({ threads: 1 });
  /** Writes records [from, to) of Kafka partition `partition` and appends them to bronze. */
  const batch = async (partition: number, from: number, to: number) => {
    const records = Array.from({ length: to - from }, (_, k) => ({
      offset: BigInt(from + k),
      value: refund(partition * 1000 + from + k),
      timestampMs: Date.parse("2026-11-01T10:00:00Z"),
    }));
    const written = await writeSegments({
      db: duckdb,
      lake: h.lake,
      topic: TOPIC,
      partition,
      records,
      ingestedAtMs: Date.now(),
    });
    const parts: SegmentPart[] = written.map((s) => ({
      ...s,
      segmentId: `${TOPIC}/${partition}/${from}/${s.eventDate}`,
      topic: TOPIC,
      kafkaPartition: partition,
      startOffset: BigInt(from),
      endOffset: BigInt(to),
    }));
    return await h.store.partitions.transact((tx) => appendSegments(tx, TARGET, parts, new Date()));
  };
  const pointer = async () => {
    const pointers = await h.store.partitions.loadPointers([{
      assetKey: TARGET.bronzeKey(TOPIC),
      partition: DAY,
    }]);
    return [...pointers.values()][0];
  };
  /** (partition, offset) of every accepted row of the current pointer, in file order. */
  const rows = async () => {
    const files = [];
    for (const uri of locationParts((await pointer()).location!)) {
      files.push(`'${join((await h.lake.open(uri)).dir, BRONZE_FILE)}'`);
    }
    return (await duckdb.all<{ p: number; o: bigint }>(
      `SELECT _partition AS p, _offset AS o FROM read_parquet([${files.join(", ")}])`,
    )).map((r) => `${r.p}:${r.o}`);
  };
  const compaction = {
    partitions: h.store.partitions,
    lake: h.lake,
    duckdb,
    target: TARGET,
    topic: TOPIC,
    day: DAY,
    log,
  };
  return {
    batch,
    pointer,
    rows,
    compaction,
    close: async () => {
      duckdb.close();
      await h.close();
    },
  };
}

Deno.test("each batch appends its segment as a part of its day, versions changing", async () => {
  const t = await setup();
  try {
    assert.deepEqual(await t.batch(0, 0, 5), new Map([["refunds/2026-11-01", 1]]));
    const first = await t.pointer();
    assert.equal(first.rows, 5, "the refunds pass their contract");
    assert.deepEqual(await t.batch(1, 0, 3), new Map([["refunds/2026-11-01", 2]]));
    const second = await t.pointer();
    assert.equal(locationParts(second.location!).length, 2);
    assert.notEqual(second.dataVersion, first.dataVersion);
    assert.equal(second.rows, 8);
    assert.equal(second.inputSignature, first.inputSignature, "the source's day version is fixed");
  } finally {
    await t.close();
  }
});

Deno.test("compaction merges a day's parts in partition and offset order and keeps its version", async () => {
  const t = await setup();
  try {
    await t.batch(1, 0, 4);
    await t.batch(0, 0, 3);
    await t.batch(1, 4, 6);
    const before = await t.pointer();
    assert.equal(await compactDay(t.compaction), "compacted");
    const after = await t.pointer();
    assert.equal(locationParts(after.location!).length, 1);
    assert.equal(after.dataVersion, before.dataVersion);
    assert.equal(after.inputSignature, before.inputSignature);
    assert.equal(after.rows, 9);
    assert.deepEqual(await t.rows(), [
      "0:0",
      "0:1",
      "0:2",
      "1:0",
      "1:1",
      "1:2",
      "1:3",
      "1:4",
      "1:5",
    ]);
    assert.equal(await compactDay(t.compaction), "too few parts");
    // Appends go on after a compaction.
    await t.batch(2, 0, 2);
    assert.equal(locationParts((await t.pointer()).location!).length, 2);
    assert.equal((await t.rows()).length, 11);
  } finally {
    await t.close();
  }
});

Deno.test("two compactions racing, with appends between, leave every record once", async () => {
  const t = await setup();
  try {
    for (let i = 0; i < 6; i++) await t.batch(i % 3, i * 10, i * 10 + 5);
    const outcomes = await Promise.all([
      compactDay(t.compaction),
      t.batch(5, 0, 5).then(() => compactDay(t.compaction)),
      compactDay(t.compaction),
    ]);
    assert.ok(outcomes.includes("compacted"), String(outcomes));
    const rows = await t.rows();
    assert.equal(rows.length, 35);
    assert.equal(new Set(rows).size, 35, "a record appears twice");
    assert.equal((await t.pointer()).rows, 35);
  } finally {
    await t.close();
  }
});
