// Vacuum: superseded versions past retention and old orphans go; the current version, retained
// versions and young (possibly in-flight) locations stay; old logs and history are trimmed.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { defineAsset } from "../../../runtime/definitions/asset.ts";
import { assetKey } from "../../../runtime/definitions/asset_key.ts";
import { partitionKey, UNPARTITIONED } from "../../../runtime/partitions/partition_key.ts";
import type { MaterializationId, RunId } from "../../../runtime/store/metadata_store.ts";
import { commitPartSet } from "../../../runtime/store/sql/part_set_commit.ts";
import { type CodeVersion, dataVersion } from "../../../runtime/definitions/version.ts";
import { vacuum } from "../../../runtime/execution/vacuum.ts";
import { FakeClock } from "../../support/fake_clock.ts";
import { ingestRun, openHarness } from "../../support/runtime_harness.ts";

const DAY_MS = 86_400_000;

/** An asset whose every materialization is a new version, in a harness on a fake clock. */
async function versionedHarness() {
  let version = 0;
  const asset = defineAsset({
    key: "demo.table",
    codeVersion: "1",
    materialize: () => Promise.resolve({ data: `v${++version}`, rows: 1 }),
  });
  const clock = new FakeClock(new Date("2026-10-01T00:00:00Z"));
  return { h: await openHarness([asset], { clock }), clock };
}

Deno.test("vacuum removes what nothing references past retention and grace, and nothing else", async () => {
  const { h, clock } = await versionedHarness();
  try {
    // Three versions: 30 and 20 days old (superseded), and the current one.
    await h.run();
    clock.advance(10 * DAY_MS);
    await h.run({ force: true });
    clock.advance(20 * DAY_MS);
    await h.run({ force: true });
    const history = await h.store.partitions.listMaterializations(
      assetKey("demo.table"),
      UNPARTITIONED,
      10,
    );
    assert.equal(history.length, 3);
    const [current, middle, oldest] = history.map((m) => m.location);
    // Directory times follow the fake clock, as they would have in real time.
    const age = (uri: string, days: number) => {
      const at = new Date(clock.now().getTime() - days * DAY_MS);
      Deno.utimeSync(fileURLToPath(uri), at, at);
    };
    age(oldest, 30);
    age(middle, 20);
    // Orphans: a crashed run's location (old) and one a run is writing right now (young).
    const crashed = await h.lake.allocate(assetKey("demo.table"), UNPARTITIONED, "crashed");
    const writing = await h.lake.allocate(assetKey("demo.table"), UNPARTITIONED, "writing");
    age(crashed.uri, 3);
    const options = { retainDays: 15, graceMinutes: 60, now: clock.now() };
    // The logs of the two runs older than the 15 days kept, which the vacuum trims.
    const cutoff = clock.now().getTime() - 15 * DAY_MS;
    let oldLogs = 0;
    for (const run of await h.store.runs.listRuns(10)) {
      if (run.startedAt.getTime() < cutoff) oldLogs += (await h.store.runs.listLogs(run.id)).length;
    }

    const dry = await vacuum(h.store.maintenance, h.lake, { ...options, dryRun: true });
    assert.deepEqual([...dry.removed].sort(), [oldest, middle, crashed.uri].sort());
    assert.equal(dry.trimmed.materializations, 2);
    assert.equal(
      (await Array.fromAsync(h.lake.listLocations())).length,
      5,
      "dry run removed files",
    );

    const real = await vacuum(h.store.maintenance, h.lake, { ...options, dryRun: false });
    assert.deepEqual([...real.removed].sort(), [oldest, middle, crashed.uri].sort());
    assert.equal(real.young, 1);
    assert.equal(real.trimmed.materializations, 2);
    assert.equal(real.trimmed.run_logs, oldLogs, "old runs' logs are trimmed");
    assert.equal(oldLogs, 6, "two runs of three lines: started, materialized, succeeded");
    const left = (await Array.fromAsync(h.lake.listLocations())).map((l) => l.uri).sort();
    assert.deepEqual(left, [current, writing.uri].sort());
    await h.lake.open(current);
    const after = await h.store.partitions.listMaterializations(
      assetKey("demo.table"),
      UNPARTITIONED,
      10,
    );
    assert.deepEqual(after.map((m) => m.location), [current]);
    // The asset is still fresh: vacuum never touches what is current.
    assert.equal((await h.status("demo.table")).status, "fresh");

    const again = await vacuum(h.store.maintenance, h.lake, { ...options, dryRun: false });
    assert.deepEqual(again.removed, []);
  } finally {
    await h.close();
  }
});

Deno.test("vacuum keeps superseded versions within retention", async () => {
  const { h, clock } = await versionedHarness();
  try {
    await h.run();
    clock.advance(2 * DAY_MS);
    await h.run({ force: true });
    const report = await vacuum(h.store.maintenance, h.lake, {
      retainDays: 7,
      graceMinutes: 0,
      now: clock.now(),
      dryRun: false,
    });
    assert.deepEqual(report.removed, []);
    assert.equal(report.referenced, 2);
  } finally {
    await h.close();
  }
});

Deno.test("vacuum keeps every part of a current part set and removes parts compacted away past retention", async () => {
  const { h, clock } = await versionedHarness();
  try {
    const key = assetKey("bronze.orders");
    const day = partitionKey("2026-09-01");
    const runId = "ingest-1" as RunId;
    await h.store.runs.startRun(ingestRun(runId, clock.now()));
    const part = async (name: string) => {
      const location = await h.lake.allocate(key, day, name);
      await Deno.writeTextFile(`${location.dir}/data.parquet`, name);
      await h.lake.seal(location);
      return location.uri;
    };
    const commit = (change: (parts: readonly string[]) => string[]) =>
      h.store.database.transaction((tx) =>
        commitPartSet(tx, {
          id: crypto.randomUUID() as MaterializationId,
          runId,
          assetKey: key,
          partition: day,
          codeVersion: "1" as CodeVersion,
          startedAt: clock.now(),
          committedAt: clock.now(),
          change: (current) => ({
            parts: change(current?.parts ?? []),
            dataVersion: dataVersion("v"),
            rows: 1,
            inputs: [],
            metadata: {},
          }),
        })
      );
    // 30 days ago two appends, 20 days ago their compaction, today one more append.
    const [a, b] = [await part("a"), await part("b")];
    await commit((parts) => [...parts, a]);
    await commit((parts) => [...parts, b]);
    clock.advance(10 * DAY_MS);
    const merged = await part("merged");
    await commit(() => [merged]);
    clock.advance(20 * DAY_MS);
    const c = await part("c");
    await commit((parts) => [...parts, c]);
    for (const uri of [a, b, merged, c]) {
      Deno.utimeSync(fileURLToPath(uri), new Date(0), new Date(0));
    }

    const report = await vacuum(h.store.maintenance, h.lake, {
      retainDays: 15,
      graceMinutes: 60,
      now: clock.now(),
      dryRun: false,
    });
    assert.deepEqual([...report.removed].sort(), [a, b].sort());
    const left = (await Array.fromAsync(h.lake.listLocations())).map((l) => l.uri);
    assert.ok(left.includes(merged) && left.includes(c), `current parts removed: ${left}`);
    assert.equal(
      await Deno.readTextFile(`${(await h.lake.open(merged)).dir}/data.parquet`),
      "merged",
    );
  } finally {
    await h.close();
  }
});
