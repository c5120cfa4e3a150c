// FsLake: the shared Lake contract plus what only a filesystem lake promises — its layout, no
// directory reuse, removal confined to the root, and listing every location for vacuum.
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { FsLake, PARTITION_MARKER } from "../../../resources/lake/fs_lake.ts";
import { assetKey } from "../../../runtime/definitions/asset_key.ts";
import { RequestError, RuntimeInvariantError } from "../../../runtime/errors.ts";
import { partitionKey, UNPARTITIONED } from "../../../runtime/partitions/partition_key.ts";
import { lakeContract } from "./lake_contract.ts";

lakeContract("FsLake", async () => {
  const root = await Deno.makeTempDir({ prefix: "sluice-fs-lake-" });
  return {
    lake: new FsLake({ root }),
    cleanup: () => Deno.remove(root, { recursive: true }),
  };
});

const ORDERS = assetKey("bronze.orders");
const DAY = partitionKey("2026-11-01");

async function withLake(body: (lake: FsLake, root: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "sluice-fs-lake-" });
  try {
    await body(new FsLake({ root: join(root, "lake") }), root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("FsLake.allocate() lays locations out as <key path>/<partition>/<id>", async () => {
  await withLake(async (lake) => {
    const daily = await lake.allocate(ORDERS, DAY, "m1");
    assert.equal(daily.dir, join(lake.root, "bronze", "orders", "2026-11-01", "m1"));
    assert.equal(daily.uri, pathToFileURL(daily.dir).href);
    assert.ok(daily.uri.startsWith("file:///"));
    const whole = await lake.allocate(assetKey("silver.users"), UNPARTITIONED, "m2");
    assert.equal(whole.dir, join(lake.root, "silver", "users", "_unpartitioned", "m2"));
  });
});

Deno.test("FsLake.allocate() never reuses an existing directory", async () => {
  await withLake(async (lake) => {
    const location = await lake.allocate(ORDERS, DAY, "m1");
    await Deno.writeTextFile(join(location.dir, "part-0.parquet"), "first attempt");
    await assert.rejects(
      () => lake.allocate(ORDERS, DAY, "m1"),
      (error: Error) =>
        error instanceof RuntimeInvariantError && /already exists/.test(error.message),
    );
    assert.equal(await Deno.readTextFile(join(location.dir, "part-0.parquet")), "first attempt");
  });
});

Deno.test("FsLake.allocate() rejects partition and id values that would escape their directory", async () => {
  await withLake(async (lake) => {
    for (const [partition, id] of [["../x", "m"], ["..", "m"], ["2026", "a/b"], ["2026", ""]]) {
      await assert.rejects(
        () => lake.allocate(ORDERS, partitionKey(partition), id),
        RequestError,
      );
    }
  });
});

Deno.test("FsLake.allocate() refuses an asset nested inside another asset's partitions", async () => {
  await withLake(async (lake) => {
    await lake.allocate(assetKey("bronze"), partitionKey("orders"), "m1");
    await assert.rejects(
      () => lake.allocate(ORDERS, DAY, "m2"),
      /inside the partition directory/,
    );
    await lake.allocate(assetKey("silver.users"), UNPARTITIONED, "m3");
    await assert.rejects(
      () => lake.allocate(assetKey("silver"), partitionKey("users"), "m4"),
      /already holds the directories of another asset/,
    );
  });
});

Deno.test("FsLake.prepare() claims partition directories up front, and leaves what it cannot claim to allocate()", async () => {
  await withLake(async (lake) => {
    const day2 = partitionKey("2026-11-02");
    await lake.allocate(assetKey("bronze"), partitionKey("orders"), "m0");
    await lake.prepare([
      { assetKey: assetKey("silver.users"), partition: DAY },
      { assetKey: assetKey("silver.users"), partition: day2 },
      { assetKey: ORDERS, partition: DAY },
    ]);
    for (const day of ["2026-11-01", "2026-11-02"]) {
      const marker = join(lake.root, "silver", "users", day, PARTITION_MARKER);
      assert.ok((await Deno.stat(marker)).isFile, `${marker} was not written`);
    }
    // bronze.orders lies inside bronze's partition 'orders': prepare() skipped it, and
    // allocate() says why.
    await assert.rejects(
      () => lake.allocate(ORDERS, DAY, "m1"),
      /inside the partition directory/,
    );
    const location = await lake.allocate(assetKey("silver.users"), day2, "m2");
    await Deno.writeTextFile(join(location.dir, "data"), "x");
    assert.equal((await lake.seal(location)).files, 1);
  });
});

Deno.test("FsLake.allocate() in a partition prepare() is still claiming gets a claimed location", async () => {
  await withLake(async (lake) => {
    const days = Array.from({ length: 12 }, (_, i) => partitionKey(`2026-11-${10 + i}`));
    const prepared = lake.prepare(days.map((day) => ({ assetKey: ORDERS, partition: day })));
    // The last day is in prepare()'s last round: allocate() must not claim it a second time.
    const location = await lake.allocate(ORDERS, days[11], "m1");
    assert.ok((await Deno.stat(join(dirname(location.dir), PARTITION_MARKER))).isFile);
    await prepared;
    await Deno.writeTextFile(join(location.dir, "data"), "x");
    assert.equal((await lake.seal(location)).files, 1);
    for (const day of days) {
      const marker = join(lake.root, "bronze", "orders", day, PARTITION_MARKER);
      assert.ok((await Deno.stat(marker)).isFile, `${marker} was not written`);
    }
  });
});

Deno.test("FsLake.allocate() claims a partition directory again if it went after its claim", async () => {
  await withLake(async (lake) => {
    const first = await lake.allocate(ORDERS, DAY, "m1");
    const partitionDir = join(lake.root, "bronze", "orders", "2026-11-01");
    await Deno.remove(partitionDir, { recursive: true });
    const second = await lake.allocate(ORDERS, DAY, "m2");
    assert.equal(second.dir, join(partitionDir, "m2"));
    assert.ok((await Deno.stat(join(partitionDir, PARTITION_MARKER))).isFile);
    assert.notEqual(first.dir, second.dir);
  });
});

Deno.test("FsLake.seal() digests files in subdirectories as well", async () => {
  await withLake(async (lake) => {
    const flat = await lake.allocate(ORDERS, DAY, "m1");
    await Deno.writeTextFile(join(flat.dir, "a"), "1");
    const nested = await lake.allocate(ORDERS, DAY, "m2");
    await Deno.mkdir(join(nested.dir, "x", "y"), { recursive: true });
    await Deno.writeTextFile(join(nested.dir, "x", "y", "a"), "1");
    const sealedFlat = await lake.seal(flat);
    const sealedNested = await lake.seal(nested);
    assert.equal(sealedNested.files, 1);
    assert.equal(sealedNested.bytes, 1);
    assert.notEqual(sealedNested.dataVersion, sealedFlat.dataVersion);
  });
});

Deno.test("FsLake.seal() of an empty location names the asset and partition", async () => {
  await withLake(async (lake) => {
    const location = await lake.allocate(ORDERS, DAY, "m1");
    await Deno.mkdir(join(location.dir, "empty-subdir"));
    await assert.rejects(
      () => lake.seal(location),
      /asset 'bronze\.orders' partition '2026-11-01'.*no files/,
    );
  });
});

Deno.test("FsLake.remove() refuses anything outside the lake root", async () => {
  await withLake(async (lake, tmp) => {
    const outside = join(tmp, "precious", "a", "b", "c");
    await Deno.mkdir(outside, { recursive: true });
    for (const uri of [pathToFileURL(outside).href, pathToFileURL(lake.root).href]) {
      await assert.rejects(() => lake.remove(uri), /Refusing to remove/);
    }
    const traversal = `${pathToFileURL(lake.root).href}/bronze/../../precious/a/b`;
    await assert.rejects(() => lake.remove(traversal), /Refusing to remove/);
    await assert.rejects(() => lake.remove("s3://bucket/x"), /expected a file:\/\/ URI/);
    assert.ok((await Deno.stat(outside)).isDirectory);
  });
});

Deno.test("FsLake.remove() refuses a partition or asset directory inside the root", async () => {
  await withLake(async (lake) => {
    const location = await lake.allocate(assetKey("bronze.orders.eu"), DAY, "m1");
    await Deno.writeTextFile(join(location.dir, "part-0.parquet"), "x");
    const partitionDir = join(lake.root, "bronze", "orders", "eu", "2026-11-01");
    for (const dir of [partitionDir, join(lake.root, "bronze", "orders", "eu")]) {
      await assert.rejects(
        () => lake.remove(pathToFileURL(dir).href),
        /not a materialization location/,
      );
    }
    assert.equal(await Deno.readTextFile(join(location.dir, "part-0.parquet")), "x");
  });
});

Deno.test("FsLake.remove() refuses a symlink inside the root that points outside it", async () => {
  await withLake(async (lake, tmp) => {
    const outside = join(tmp, "precious");
    await Deno.mkdir(outside);
    await Deno.writeTextFile(join(outside, "keep"), "x");
    const location = await lake.allocate(ORDERS, DAY, "m1");
    await Deno.remove(location.dir);
    await Deno.symlink(outside, location.dir);
    await assert.rejects(() => lake.remove(location.uri), /outside the lake root/);
    assert.equal(await Deno.readTextFile(join(outside, "keep")), "x");
  });
});

Deno.test("FsLake.remove() of a location that is already gone is a no-op", async () => {
  await withLake(async (lake) => {
    const location = await lake.allocate(ORDERS, DAY, "m1");
    await lake.remove(location.uri);
    await lake.remove(location.uri);
  });
});

Deno.test("FsLake.open() of a missing location fails with a clear message", async () => {
  await withLake(async (lake) => {
    const uri = pathToFileURL(join(lake.root, "bronze", "orders", "2026-11-01", "gone")).href;
    await assert.rejects(() => lake.open(uri), /Cannot open lake location .*no such directory/);
  });
});

Deno.test("FsLake.listLocations() yields every location, and only locations", async () => {
  await withLake(async (lake) => {
    assert.deepEqual(await Array.fromAsync(lake.listLocations()), []);
    const a = await lake.allocate(ORDERS, DAY, "m1");
    await Deno.mkdir(join(a.dir, "hive=1"), { recursive: true });
    await Deno.writeTextFile(join(a.dir, "hive=1", "part-0.parquet"), "x");
    await lake.seal(a);
    const b = await lake.allocate(ORDERS, partitionKey("2026-11-02"), "m2");
    const c = await lake.allocate(assetKey("bronze"), partitionKey("users"), "m3");
    const d = await lake.allocate(assetKey("silver.users"), UNPARTITIONED, "m4");
    const before = Date.now();
    const found = await Array.fromAsync(lake.listLocations());
    assert.deepEqual(found.map((l) => l.uri).sort(), [a.uri, b.uri, c.uri, d.uri].sort());
    // Just written: their modification times are recent (vacuum's grace period reads them).
    for (const l of found) assert.ok(before - l.modifiedAt.getTime() < 60_000);
    await Deno.stat(join(lake.root, "bronze", "orders", "2026-11-01", PARTITION_MARKER));
  });
});
