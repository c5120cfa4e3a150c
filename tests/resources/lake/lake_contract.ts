// The contract every Lake backend passes (filesystem and S3): fresh locations, content
// digests that track exactly the bytes and names written, open, remove and the empty-seal guard.
import assert from "node:assert/strict";
import { join } from "node:path";
import { assetKey } from "../../../runtime/definitions/asset_key.ts";
import type { Lake, LakeLocation } from "../../../runtime/definitions/lake.ts";
import { partitionKey, UNPARTITIONED } from "../../../runtime/partitions/partition_key.ts";

export interface LakeFixture {
  readonly lake: Lake;
  cleanup(): Promise<void>;
}

const ORDERS = assetKey("bronze.orders");
const DAY = partitionKey("2026-11-01");

let ids = 0;
/** A materialization id unique within the test process. */
function freshId(): string {
  ids += 1;
  return `m${Date.now().toString(36)}${ids}`;
}

/** Writes `files` (relative path → text) into a location, creating subdirectories as needed. */
async function write(location: LakeLocation, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    const full = join(location.dir, path);
    await Deno.mkdir(join(full, ".."), { recursive: true });
    await Deno.writeTextFile(full, text);
  }
}

/** Allocates, writes and seals one location, returning its data version. */
async function sealed(lake: Lake, files: Record<string, string>): Promise<string> {
  const location = await lake.allocate(ORDERS, DAY, freshId());
  await write(location, files);
  return (await lake.seal(location)).dataVersion;
}

async function listNames(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

/** Registers the Lake contract tests for one backend. */
export function lakeContract(
  name: string,
  makeLake: () => Promise<LakeFixture>,
  options: { readonly ignore?: boolean } = {},
): void {
  function contractTest(title: string, body: (lake: Lake) => Promise<void>): void {
    Deno.test({
      name: `${name}: ${title}`,
      ignore: options.ignore ?? false,
      fn: async () => {
        const fixture = await makeLake();
        try {
          await body(fixture.lake);
        } finally {
          await fixture.cleanup();
        }
      },
    });
  }

  contractTest("allocate() gives distinct, empty locations", async (lake) => {
    const locations = [
      await lake.allocate(ORDERS, DAY, freshId()),
      await lake.allocate(ORDERS, DAY, freshId()),
      await lake.allocate(ORDERS, partitionKey("2026-11-02"), freshId()),
      await lake.allocate(assetKey("silver.users"), UNPARTITIONED, freshId()),
    ];
    assert.equal(new Set(locations.map((l) => l.uri)).size, locations.length);
    assert.equal(new Set(locations.map((l) => l.dir)).size, locations.length);
    for (const location of locations) assert.deepEqual(await listNames(location.dir), []);
  });

  contractTest("seal() reports the digest, byte count and file count", async (lake) => {
    const location = await lake.allocate(ORDERS, DAY, freshId());
    await write(location, { "a.parquet": "hello", "nested/b.parquet": "world!" });
    const result = await lake.seal(location);
    assert.match(result.dataVersion, /^[0-9a-f]{32}$/);
    assert.equal(result.bytes, 11);
    assert.equal(result.files, 2);
  });

  contractTest(
    "seal() digests the same content the same, whatever the write order",
    async (lake) => {
      const first = await sealed(lake, { "a": "1", "b": "22", "sub/c": "333" });
      const second = await sealed(lake, { "sub/c": "333", "b": "22", "a": "1" });
      assert.equal(first, second);
    },
  );

  contractTest("seal() digest changes when one byte changes", async (lake) => {
    const base = await sealed(lake, { "a": "hello", "b": "world" });
    assert.notEqual(await sealed(lake, { "a": "hello", "b": "worle" }), base);
  });

  contractTest("seal() digest changes when a file is renamed or moved", async (lake) => {
    const base = await sealed(lake, { "a": "hello", "b": "world" });
    assert.notEqual(await sealed(lake, { "a": "hello", "c": "world" }), base);
    assert.notEqual(await sealed(lake, { "a": "hello", "sub/b": "world" }), base);
  });

  contractTest("seal() digest tells apart ('ab','c') from ('a','bc') splits", async (lake) => {
    assert.notEqual(
      await sealed(lake, { "x": "ab", "y": "c" }),
      await sealed(lake, { "x": "a", "y": "bc" }),
    );
    // The same text split differently between a file name and its bytes.
    assert.notEqual(await sealed(lake, { "ab": "c" }), await sealed(lake, { "a": "bc" }));
  });

  contractTest("seal() of an empty location fails, naming the asset", async (lake) => {
    const location = await lake.allocate(ORDERS, DAY, freshId());
    await assert.rejects(() => lake.seal(location), (error: Error) => {
      assert.match(error.message, /bronze[./]orders/);
      assert.match(error.message, /no files/);
      return true;
    });
  });

  contractTest("open() of a sealed location returns its files", async (lake) => {
    const location = await lake.allocate(ORDERS, DAY, freshId());
    await write(location, { "part-0.parquet": "rows", "sub/part-1.parquet": "more" });
    await lake.seal(location);
    const opened = await lake.open(location.uri);
    assert.equal(opened.uri, location.uri);
    assert.equal(await Deno.readTextFile(join(opened.dir, "part-0.parquet")), "rows");
    assert.equal(await Deno.readTextFile(join(opened.dir, "sub/part-1.parquet")), "more");
  });

  contractTest("remove() deletes a location so it can no longer be opened", async (lake) => {
    const location = await lake.allocate(ORDERS, DAY, freshId());
    await write(location, { "part-0.parquet": "rows" });
    await lake.seal(location);
    const kept = await lake.allocate(ORDERS, DAY, freshId());
    await write(kept, { "part-0.parquet": "kept" });
    await lake.seal(kept);

    await lake.remove(location.uri);

    await assert.rejects(() => lake.open(location.uri), /Cannot open lake location/);
    const opened = await lake.open(kept.uri);
    assert.equal(await Deno.readTextFile(join(opened.dir, "part-0.parquet")), "kept");
  });
}
