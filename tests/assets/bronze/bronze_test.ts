// Bronze over real landing files: quarantine of each malformed kind with its reason, payloads
// kept byte for byte, no duplicates when lines land twice, repeatable data versions, and a new
// batch making only its own day stale.
import assert from "node:assert/strict";
import { join } from "node:path";
import { bronzeAssets, rejectedEventsAsset } from "../../../assets/bronze.ts";
import { landingSources } from "../../../assets/landing_sources.ts";
import { LandingWriter } from "../../../generator/landing_writer.ts";
import { LandingZone } from "../../../resources/landing/landing_zone.ts";
import { openDuckDb } from "../../../resources/duckdb/duckdb.ts";
import { loadPointer } from "../../../runtime/store/partition_store.ts";
import type { AssetKey } from "../../../runtime/definitions/asset_key.ts";
import type { PartitionKey } from "../../../runtime/partitions/partition_key.ts";
import type { Topic } from "../../../contracts/events/mod.ts";
import { type Harness, openHarness } from "../../support/runtime_harness.ts";
import { FakeClock } from "../../support/fake_clock.ts";
import { order } from "../_events.ts";

const DAY = "2026-03-01";
const NEXT = "2026-03-02";
const NOW = new Date("2026-03-05T12:00:00Z");

interface Setup {
  h: Harness;
  landing: string;
  run(selection: string, partitions?: string, force?: boolean): ReturnType<Harness["run"]>;
  close(): Promise<void>;
}

async function setup(): Promise<Setup> {
  const landing = await Deno.makeTempDir({ prefix: "sluice-landing-test-" });
  const sources = landingSources();
  const bronze = bronzeAssets(sources);
  const h = await openHarness([...sources, ...bronze, rejectedEventsAsset(bronze)], {
    clock: new FakeClock(NOW),
  });
  const resources = {
    landing: new LandingZone(landing),
    warehouse: h.store.database,
    lake: h.lake,
  };
  return {
    h,
    landing,
    run: (selection, partitions, force) => h.run({ selection, partitions, force, resources }),
    async close() {
      await h.close();
      await Deno.remove(landing, { recursive: true });
    },
  };
}

/** Appends `lines` (with their event days) to one batch file of `topic` partition 0. */
function land(root: string, topic: Topic, lines: readonly [string, string][]): void {
  const writer = LandingWriter.open(root);
  for (const [line, day] of lines) writer.append(topic, 0, line, day);
  writer.close();
}

async function rowsOf(h: Harness, key: string, partition: string, file = "data.parquet") {
  const pointer = await loadPointer(h.store.partitions, key as AssetKey, partition as PartitionKey);
  assert.ok(pointer?.location, `${key} ${partition} has no current version`);
  const location = await h.lake.open(pointer.location);
  const db = await openDuckDb({ threads: 1 });
  try {
    return await db.all(`SELECT * FROM read_parquet(?) ORDER BY 1, 2, 3`, [
      join(location.dir, file),
    ]);
  } finally {
    db.close();
  }
}

const valid = (amount: number, hour = 10) =>
  JSON.stringify(
    order({ event_time: `${DAY}T${String(hour).padStart(2, "0")}:00:00.000Z`, amount }),
  );

function malformed(): Record<string, string> {
  const base = order({ event_time: `${DAY}T11:00:00.000Z` }) as Record<string, unknown>;
  const without = { ...base };
  delete without.amount;
  return {
    broken_json: JSON.stringify(base).slice(0, 60),
    missing_field: JSON.stringify(without),
    wrong_type: JSON.stringify({ ...base, amount: "12.50" }),
    negative_amount: JSON.stringify({ ...base, amount: -5 }),
    unknown_currency: JSON.stringify({ ...base, currency: "XYZ" }),
  };
}

Deno.test("bronze quarantines each malformed kind with its reason and keeps valid rows byte for byte", async () => {
  const s = await setup();
  try {
    const good = [valid(10), valid(20, 12), valid(30, 13)];
    const bad = malformed();
    land(s.landing, "orders", [
      [good[0], DAY],
      ...Object.values(bad).map((line) => [line, DAY] as [string, string]),
      [good[1], DAY],
      [good[2], DAY],
    ]);
    const outcome = await s.run("bronze.orders, bronze.rejected_events", DAY);
    assert.equal(outcome.run?.status, "succeeded", JSON.stringify(outcome.run?.steps));

    const rows = await rowsOf(s.h, "bronze.orders", DAY);
    assert.deepEqual(rows.map((r) => r.payload), good);
    assert.deepEqual(rows.map((r) => r._offset), [0, 6, 7]);
    assert.ok(rows.every((r) => r._topic === "orders" && r._partition === 0));

    const rejected = await rowsOf(s.h, "bronze.rejected_events", DAY);
    assert.deepEqual(rejected.map((r) => r.kind), Object.keys(bad));
    assert.deepEqual(rejected.map((r) => r.payload), Object.values(bad));
    const reasons = Object.fromEntries(rejected.map((r) => [r.kind, String(r.reason)]));
    assert.match(reasons.broken_json, /Broken JSON/);
    assert.match(reasons.missing_field, /amount/);
    assert.match(reasons.wrong_type, /amount/);
    assert.match(reasons.negative_amount, /amount/);
    assert.match(reasons.unknown_currency, /XYZ|currency/);
    // Nothing is lost: accepted plus rejected is every landed line of the day.
    assert.equal(rows.length + rejected.length, good.length + Object.keys(bad).length);
  } finally {
    await s.close();
  }
});

Deno.test("a line lands in the partition of its own event day, even inside another day's file", async () => {
  const s = await setup();
  try {
    const late = JSON.stringify(order({ event_time: `${NEXT}T00:00:01.000Z` }));
    land(s.landing, "orders", [[valid(10), DAY], [late, NEXT], [valid(11, 23), DAY]]);
    await s.run("bronze.orders", `${DAY}..${NEXT}`);
    assert.equal((await rowsOf(s.h, "bronze.orders", DAY)).length, 2);
    assert.deepEqual((await rowsOf(s.h, "bronze.orders", NEXT)).map((r) => r.payload), [late]);
  } finally {
    await s.close();
  }
});

Deno.test("ingesting the same landing file twice never duplicates rows, and data versions repeat", async () => {
  const s = await setup();
  try {
    land(s.landing, "orders", [[valid(10), DAY], [valid(20, 11), DAY]]);
    await s.run("bronze.orders", DAY);
    const first = await loadPointer(
      s.h.store.partitions,
      "bronze.orders" as AssetKey,
      DAY as PartitionKey,
    );

    await s.run("bronze.orders", DAY, true);
    const again = await loadPointer(
      s.h.store.partitions,
      "bronze.orders" as AssetKey,
      DAY as PartitionKey,
    );
    assert.notEqual(again!.materializationId, first!.materializationId);
    assert.equal(again!.dataVersion, first!.dataVersion);

    // A copy of the batch under another name holds the same offsets: they are read once.
    const dir = join(s.landing, "orders", "0");
    const [name] = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) =>
      n.endsWith(".ndjson")
    );
    const copy = "00000000000000000000-copy.ndjson";
    Deno.copyFileSync(join(dir, name), join(dir, copy));
    Deno.copyFileSync(join(dir, `${name}.json`), join(dir, `${copy}.json`));
    // The copy is a new file of the day, so bronze re-runs: and reads each offset once.
    const plan = await s.h.run({
      selection: "bronze.orders",
      partitions: DAY,
      dryRun: true,
      resources: {
        landing: new LandingZone(s.landing),
        warehouse: s.h.store.database,
        lake: s.h.lake,
      },
    });
    assert.deepEqual(plan.plan.steps.map((step) => step.id), [`bronze.orders@${DAY}`]);
    await s.run("bronze.orders", DAY);
    const rows = await rowsOf(s.h, "bronze.orders", DAY);
    assert.equal(rows.length, 2);
    assert.deepEqual(rows.map((r) => r._offset), [0, 1]);
  } finally {
    await s.close();
  }
});

Deno.test("a new batch for one day makes only that day's bronze stale, with source has new data", async () => {
  const s = await setup();
  try {
    land(s.landing, "orders", [[valid(10), DAY], [
      JSON.stringify(order({ event_time: `${NEXT}T09:00:00.000Z` })),
      NEXT,
    ]]);
    const first = await s.run("bronze.orders", `${DAY}..${NEXT}`);
    assert.equal(first.run?.steps.filter((step) => step.status === "succeeded").length, 2);

    land(s.landing, "orders", [[
      JSON.stringify(order({ event_time: `${NEXT}T15:00:00.000Z` })),
      NEXT,
    ]]);
    const plan = await s.h.run({
      selection: "bronze.orders",
      partitions: `${DAY}..${NEXT}`,
      dryRun: true,
      resources: {
        landing: new LandingZone(s.landing),
        warehouse: s.h.store.database,
        lake: s.h.lake,
      },
    });
    assert.deepEqual(plan.plan.steps.map((step) => step.id), [`bronze.orders@${NEXT}`]);
    assert.match(plan.plan.steps[0].reasons.join(), /source landing\.orders has new data/);
    assert.equal((await s.h.status("bronze.orders", DAY)).status, "fresh");

    await s.run("bronze.orders", `${DAY}..${NEXT}`);
    assert.equal((await rowsOf(s.h, "bronze.orders", NEXT)).length, 2);
  } finally {
    await s.close();
  }
});

Deno.test("a landing file whose line count disagrees with its manifest fails bronze with the file named", async () => {
  const s = await setup();
  try {
    land(s.landing, "orders", [[valid(10), DAY], [valid(20, 11), DAY]]);
    const dir = join(s.landing, "orders", "0");
    const manifestName = [...Deno.readDirSync(dir)].map((e) => e.name).find((n) =>
      n.endsWith(".json")
    )!;
    const manifest = JSON.parse(Deno.readTextFileSync(join(dir, manifestName)));
    Deno.writeTextFileSync(join(dir, manifestName), JSON.stringify({ ...manifest, count: 3 }));
    const outcome = await s.run("bronze.orders", DAY);
    const step = outcome.run!.steps[0];
    assert.equal(step.status, "failed");
    assert.match(step.reason, /has 2 lines but its manifest says 3/);
    assert.match(step.reason, /\.ndjson/);
  } finally {
    await s.close();
  }
});
