// Vacuum racing commits: a step that wrote its output long ago (past the grace period) and has
// not committed yet keeps it, because its run holds a lease; and on the S3 lake, vacuums run
// over and over with no grace while runs commit never delete a file a pointer references.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { defineAsset } from "../../../runtime/definitions/asset.ts";
import { assetKey } from "../../../runtime/definitions/asset_key.ts";
import { AssetGraph } from "../../../runtime/graph/asset_graph.ts";
import { createLogger } from "../../../runtime/logger.ts";
import { materialize } from "../../../runtime/execution/materialize.ts";
import { vacuum } from "../../../runtime/execution/vacuum.ts";
import { daily } from "../../../runtime/partitions/daily_partitions.ts";
import { UNPARTITIONED } from "../../../runtime/partitions/partition_key.ts";
import { loadPointer } from "../../../runtime/store/partition_store.ts";
import { S3Lake } from "../../../resources/lake/s3_lake.ts";
import { openS3Client } from "../../../resources/s3/s3_client.ts";
import { openMetadataStore } from "../../../resources/postgres/open_metadata_store.ts";
import { locationParts } from "../../../runtime/definitions/part_set.ts";
import { FakeClock } from "../../support/fake_clock.ts";
import { openHarness } from "../../support/runtime_harness.ts";
import { needsS3, requireTestVariable, testS3Settings } from "../../support/services.ts";

const HOUR_MS = 3_600_000;

Deno.test("vacuum keeps a location a step wrote hours ago and has not committed yet; the commit finds it", async () => {
  const clock = new FakeClock(new Date("2026-10-01T00:00:00Z"));
  const key = assetKey("demo.slow");
  let vacuumed: Awaited<ReturnType<typeof vacuum>> | undefined;
  const asset = defineAsset({
    key,
    codeVersion: "1",
    materialize: () => Promise.resolve({ data: "slow", rows: 1 }),
  });
  const h = await openHarness([asset], { clock });
  try {
    const outcome = await h.run({
      hooks: {
        // Sealed and checked, about to commit: three hours pass (a slow check, say), and the
        // output's files are two hours old, well past a 60-minute grace.
        async beforeCommit(_step, output) {
          clock.advance(3 * HOUR_MS);
          const at = new Date(clock.now().getTime() - 2 * HOUR_MS);
          Deno.utimeSync(fileURLToPath(output.uri), at, at);
          vacuumed = await vacuum(h.store.maintenance, h.lake, {
            retainDays: 7,
            graceMinutes: 60,
            dryRun: false,
            now: clock.now(),
          });
        },
      },
    });
    assert.equal(outcome.run?.status, "succeeded");
    assert.deepEqual(vacuumed?.removed, []);
    assert.equal(vacuumed?.young, 1, "the in-flight location counts as too young to judge");
    const pointer = await loadPointer(h.store.partitions, key, UNPARTITIONED);
    assert.equal(await Deno.readTextFile(`${fileURLToPath(pointer!.location!)}/data`), "slow");

    // Once nothing is in flight, the same kind of location is judged by its age alone.
    const orphan = await h.lake.allocate(key, UNPARTITIONED, "orphan");
    const old = new Date(clock.now().getTime() - 2 * HOUR_MS);
    Deno.utimeSync(orphan.dir, old, old);
    const after = await vacuum(h.store.maintenance, h.lake, {
      retainDays: 7,
      graceMinutes: 60,
      dryRun: false,
      now: clock.now(),
    });
    assert.deepEqual(after.removed, [orphan.uri]);
  } finally {
    await h.close();
  }
});

Deno.test({
  name: "vacuums with no grace racing commits on the S3 lake never delete a referenced file",
  ...needsS3(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const client = openS3Client(testS3Settings());
    const bucket = requireTestVariable("SLUICE_TEST_S3_BUCKET");
    const prefix = `vacuum-race/${crypto.randomUUID()}`;
    const cache = await Deno.makeTempDir({ prefix: "sluice-vacuum-race-" });
    const lake = new S3Lake({ client, bucket, prefix, cacheRoot: cache });
    const store = await openMetadataStore({ embeddedDir: ":memory:" });
    const days = daily({ start: "2026-11-01", end: "2026-11-12" });
    let version = 0;
    const raw = defineAsset({
      key: "demo.raw",
      partitions: days,
      materialize: async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return { data: `raw ${++version}`, rows: 1 };
      },
    });
    const copy = defineAsset({
      key: "demo.copy",
      partitions: days,
      deps: [raw],
      materialize: async (ctx) => {
        const [input] = ctx.input(raw);
        return { data: await Deno.readTextFile(`${input.parts[0].dir}/data`), rows: 1 };
      },
    });
    const graph = AssetGraph.build([raw, copy]);
    try {
      let running = true;
      let vacuums = 0;
      let removed = 0;
      const sweeping = (async () => {
        while (running) {
          const report = await vacuum(store.maintenance, lake, {
            retainDays: 0,
            graceMinutes: 0,
            dryRun: false,
            now: new Date(),
          });
          vacuums++;
          removed += report.removed.length;
        }
      })();
      // Three rounds over twelve days: each round supersedes the last, so there is garbage.
      for (let round = 0; round < 3; round++) {
        const outcome = await materialize({
          graph,
          store,
          lake,
          log: createLogger([]),
          force: true,
          concurrency: 3,
        });
        assert.equal(outcome.run?.status, "succeeded");
      }
      running = false;
      await sweeping;
      assert.ok(vacuums >= 3, `only ${vacuums} vacuums ran beside the commits`);
      // Nothing in flight now: the superseded rounds go.
      const last = await vacuum(store.maintenance, lake, {
        retainDays: 0,
        graceMinutes: 0,
        dryRun: false,
        now: new Date(),
      });
      removed += last.removed.length;
      assert.ok(removed >= 2 * 24, `removed ${removed}: the two superseded rounds should go`);

      // Every current pointer's files are there, read through an empty cache.
      const cold = new S3Lake({
        client,
        bucket,
        prefix,
        cacheRoot: await Deno.makeTempDir({ prefix: "sluice-vacuum-cold-" }),
      });
      for (const asset of [raw, copy]) {
        for (const partition of days.keys(new Date())) {
          const pointer = await loadPointer(store.partitions, asset.key, partition);
          for (const uri of locationParts(pointer!.location!)) {
            const text = await Deno.readTextFile(`${(await cold.open(uri)).dir}/data`);
            assert.match(text, /^raw \d+$/);
          }
        }
      }
    } finally {
      await store.close();
      const all = await Array.fromAsync(lake.listLocations());
      for (const location of all) await lake.remove(location.uri);
      client.destroy();
      await Deno.remove(cache, { recursive: true });
    }
  },
});
