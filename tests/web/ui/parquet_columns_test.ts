import assert from "node:assert/strict";
import { join } from "node:path";
import { assetKey } from "../../../runtime/definitions/asset_key.ts";
import { partSetLocation } from "../../../runtime/definitions/part_set.ts";
import { partitionKey } from "../../../runtime/partitions/partition_key.ts";
import { openDuckDb } from "../../../resources/duckdb/duckdb.ts";
import { FsLake } from "../../../resources/lake/fs_lake.ts";
import { parquetColumnReader } from "../../../web/ui/parquet_columns.ts";

/** Seals a location holding `files` (relative path → SELECT written as Parquet, or text). */
async function sealed(
  lake: FsLake,
  id: string,
  files: Record<string, { select: string } | { text: string }>,
): Promise<string> {
  const location = await lake.allocate(assetKey("silver.orders"), partitionKey(id), id);
  const db = await openDuckDb();
  try {
    for (const [path, content] of Object.entries(files)) {
      const target = join(location.dir, path);
      await Deno.mkdir(join(target, ".."), { recursive: true });
      if ("select" in content) await db.copyToParquet(content.select, target);
      else await Deno.writeTextFile(target, content.text);
    }
  } finally {
    db.close();
  }
  await lake.seal(location);
  return location.uri;
}

Deno.test("the asset page's columns are the names and types in the data's Parquet footer", async () => {
  const root = await Deno.makeTempDir();
  const reader = parquetColumnReader(new FsLake({ root }));
  try {
    const lake = new FsLake({ root });
    const orders = await sealed(lake, "2026-11-01", {
      "data.parquet": {
        select: "SELECT 'o-1' AS order_id, 12.5::DECIMAL(12,2) AS amount_usd, " +
          "TIMESTAMPTZ '2026-11-01 10:00:00+00' AS ts, true AS is_fraud",
      },
    });
    assert.deepEqual(await reader.columnsAt(orders), [
      { name: "order_id", type: "VARCHAR" },
      { name: "amount_usd", type: "DECIMAL(12,2)" },
      { name: "ts", type: "TIMESTAMP WITH TIME ZONE" },
      { name: "is_fraud", type: "BOOLEAN" },
    ]);

    // A part set (bronze fed by Kafka) is read from its first part; files may sit in folders.
    const first = await sealed(lake, "2026-11-02", {
      "part/0001.parquet": { select: "SELECT 1::BIGINT AS kafka_offset, 'x' AS payload" },
    });
    const second = await sealed(lake, "2026-11-03", {
      "part/0002.parquet": { select: "SELECT 2::BIGINT AS kafka_offset, 'y' AS payload" },
    });
    assert.deepEqual(await reader.columnsAt(partSetLocation([first, second])), [
      { name: "kafka_offset", type: "BIGINT" },
      { name: "payload", type: "VARCHAR" },
    ]);

    // A location with no Parquet file (a model's files) has no columns to show.
    const model = await sealed(lake, "2026-11-04", { "model.json": { text: "{}" } });
    assert.deepEqual(await reader.columnsAt(model), []);
  } finally {
    reader.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a location vacuumed away fails its read, and is read again once it exists", async () => {
  const root = await Deno.makeTempDir();
  const lake = new FsLake({ root });
  const reader = parquetColumnReader(lake);
  try {
    const uri = await sealed(lake, "2026-11-05", {
      "data.parquet": { select: "SELECT 1 AS n" },
    });
    await lake.remove(uri);
    await assert.rejects(reader.columnsAt(uri), /Cannot open lake location/);
    const again = await sealed(lake, "2026-11-05", {
      "data.parquet": { select: "SELECT 1 AS n" },
    });
    assert.equal(again, uri);
    assert.deepEqual(await reader.columnsAt(uri), [{ name: "n", type: "INTEGER" }]);
  } finally {
    reader.close();
    await Deno.remove(root, { recursive: true });
  }
});
