// S3Lake against a real MinIO: the shared Lake contract, plus multipart uploads, reads through
// the local cache, listing for vacuum, and one clear line for wrong credentials or no server.
import { DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import assert from "node:assert/strict";
import { join } from "node:path";
import { MULTIPART_PART_BYTES, S3Lake } from "../../../resources/lake/s3_lake.ts";
import { openS3Client } from "../../../resources/s3/s3_client.ts";
import { assetKey } from "../../../runtime/definitions/asset_key.ts";
import { SluiceError } from "../../../runtime/errors.ts";
import { partitionKey } from "../../../runtime/partitions/partition_key.ts";
import { needsS3, requireTestVariable, testS3Settings } from "../../support/services.ts";
import { lakeContract } from "./lake_contract.ts";

const s3 = needsS3();

interface TestLake {
  readonly lake: S3Lake;
  readonly client: S3Client;
  readonly cacheRoot: string;
  readonly prefix: string;
  cleanup(): Promise<void>;
}

/** A lake under a fresh prefix of the test bucket, with its own cache directory. */
async function testLake(): Promise<TestLake> {
  const client = openS3Client(testS3Settings());
  const bucket = requireTestVariable("SLUICE_TEST_S3_BUCKET");
  const prefix = `tests/${crypto.randomUUID()}`;
  const cacheRoot = await Deno.makeTempDir({ prefix: "sluice-s3-cache-" });
  return {
    lake: new S3Lake({ client, bucket, prefix, cacheRoot }),
    client,
    cacheRoot,
    prefix,
    async cleanup() {
      const listed = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/` }),
      );
      const objects = (listed.Contents ?? []).map((o) => ({ Key: o.Key! }));
      if (objects.length > 0) {
        await client.send(
          new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects } }),
        );
      }
      client.destroy();
      await Deno.remove(cacheRoot, { recursive: true });
    },
  };
}

lakeContract("S3Lake", async () => {
  const fixture = await testLake();
  return { lake: fixture.lake, cleanup: fixture.cleanup };
}, s3);

const ORDERS = assetKey("bronze.orders");
const DAY = partitionKey("2026-11-01");

async function withTestLake(body: (t: TestLake) => Promise<void>): Promise<void> {
  const fixture = await testLake();
  try {
    await body(fixture);
  } finally {
    await fixture.cleanup();
  }
}

Deno.test({
  name: "S3Lake uploads a large file in parts and reads it back byte for byte through a cold cache",
  ...s3,
  fn: () =>
    withTestLake(async ({ lake, client, prefix }) => {
      const location = await lake.allocate(ORDERS, DAY, "big");
      assert.match(
        location.uri,
        new RegExp(`^s3://[^/]+/${prefix}/bronze/orders/2026-11-01/big/$`),
      );
      // 2.5 parts of pseudo-random bytes.
      const size = Math.floor(MULTIPART_PART_BYTES * 2.5);
      const bytes = new Uint8Array(size);
      for (let at = 0; at < size; at += 65_536) {
        crypto.getRandomValues(bytes.subarray(at, Math.min(at + 65_536, size)));
      }
      await Deno.mkdir(join(location.dir, "part"), { recursive: true });
      await Deno.writeFile(join(location.dir, "part", "data.parquet"), bytes);
      const sealed = await lake.seal(location);
      assert.equal(sealed.bytes, size);
      assert.equal(sealed.files, 1);

      // A second lake on the same prefix with an empty cache: open() must download.
      const coldCache = await Deno.makeTempDir({ prefix: "sluice-s3-cold-" });
      try {
        const cold = new S3Lake({
          client,
          bucket: requireTestVariable("SLUICE_TEST_S3_BUCKET"),
          prefix,
          cacheRoot: coldCache,
        });
        const opened = await cold.open(location.uri);
        assert.ok(opened.dir.startsWith(coldCache));
        const read = await Deno.readFile(join(opened.dir, "part", "data.parquet"));
        assert.equal(read.length, size);
        assert.ok(read.every((b, i) => b === bytes[i]), "downloaded bytes differ");
        // The download is cached: a second open reads no object (the cache marker is there).
        assert.equal((await cold.open(location.uri)).dir, opened.dir);
      } finally {
        await Deno.remove(coldCache, { recursive: true });
      }
    }),
});

Deno.test({
  name: "S3Lake lists every location, sealed or not, and removal deletes its objects",
  ...s3,
  fn: () =>
    withTestLake(async ({ lake }) => {
      const a = await lake.allocate(ORDERS, DAY, "a");
      await Deno.writeTextFile(join(a.dir, "data.parquet"), "a");
      await lake.seal(a);
      const b = await lake.allocate(assetKey("silver.users"), partitionKey("2026-11-02"), "b");
      const listed: string[] = [];
      for await (const { uri } of lake.listLocations()) listed.push(uri);
      assert.deepEqual(listed.sort(), [a.uri, b.uri].sort());
      await lake.remove(a.uri);
      await assert.rejects(lake.open(a.uri), /no such objects/);
      const after: string[] = [];
      for await (const { uri } of lake.listLocations()) after.push(uri);
      assert.deepEqual(after, [b.uri]);
    }),
});

Deno.test({
  name: "wrong S3 credentials give one clear line naming the variables",
  ...s3,
  fn: async () => {
    const settings = { ...testS3Settings(), secretKey: "not-the-secret" };
    const client = openS3Client(settings);
    const cacheRoot = await Deno.makeTempDir({ prefix: "sluice-s3-cache-" });
    try {
      const lake = new S3Lake({
        client,
        bucket: requireTestVariable("SLUICE_TEST_S3_BUCKET"),
        prefix: "tests/denied",
        cacheRoot,
      });
      const error = await lake.allocate(ORDERS, DAY, "x").then(() => undefined, (e) => e);
      assert.ok(error instanceof SluiceError, String(error));
      assert.match(error.message, /S3 refused .*check S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY/);
      assert.equal(error.message.split("\n").length, 1);
    } finally {
      client.destroy();
      await Deno.remove(cacheRoot, { recursive: true });
    }
  },
});

Deno.test("an unreachable S3 endpoint gives one clear line naming S3_ENDPOINT", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const client = openS3Client({
    endpoint: `http://127.0.0.1:${port}`,
    region: "us-east-1",
    accessKey: "a",
    secretKey: "b",
  });
  const cacheRoot = await Deno.makeTempDir({ prefix: "sluice-s3-cache-" });
  try {
    const lake = new S3Lake({ client, bucket: "nowhere", prefix: "", cacheRoot });
    const error = await lake.allocate(ORDERS, DAY, "x").then(() => undefined, (e) => e);
    assert.ok(error instanceof SluiceError, String(error));
    assert.match(error.message, /S3 endpoint unreachable .*check S3_ENDPOINT/);
    assert.equal(error.message.split("\n").length, 1);
  } finally {
    client.destroy();
    await Deno.remove(cacheRoot, { recursive: true });
  }
});
