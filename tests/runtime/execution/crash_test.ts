import assert from "node:assert/strict";
import { AssetGraph } from "../../../runtime/graph/asset_graph.ts";
import { defineAsset } from "../../../runtime/definitions/asset.ts";
import { loadStatusResolver } from "../../../runtime/staleness/status_loading.ts";
import type { PartitionKey } from "../../../runtime/partitions/partition_key.ts";
import type { AssetKey } from "../../../runtime/definitions/asset_key.ts";
import { loadPointer } from "../../../runtime/store/partition_store.ts";
import { openMetadataStore } from "../../../resources/postgres/open_metadata_store.ts";
import { fileURLToPath } from "node:url";
import { S3Lake } from "../../../resources/lake/s3_lake.ts";
import { openS3Client } from "../../../resources/s3/s3_client.ts";
import {
  needsPostgres,
  needsS3,
  requireTestVariable,
  testS3Settings,
  withFreshDatabase,
} from "../../support/services.ts";

const APP = new URL("./fixtures/crash_app.ts", import.meta.url).pathname;
const KEY = "demo.table" as AssetKey;
const ALL = "" as PartitionKey;

interface StoreTarget {
  readonly env: Record<string, string>;
  readonly open: () => ReturnType<typeof openMetadataStore>;
  /** The lake's settings for the app (none: a filesystem lake in LAKE_DIR). */
  readonly lakeEnv?: Record<string, string>;
  /** Reads a location's `data` file; by default from the filesystem lake. */
  readonly readData?: (uri: string) => Promise<string>;
}

const readFsData = (uri: string) => Deno.readTextFile(`${fileURLToPath(uri)}/data`);

async function runApp(target: StoreTarget, lake: string, env: Record<string, string>) {
  return await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", APP],
    env: { ...target.env, ...target.lakeEnv, LAKE_DIR: lake, ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
}

async function waitForFile(path: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await Deno.readTextFile(path);
    } catch {
      if (Date.now() > deadline) {
        throw new Error(`The crash app never reached the commit (${path})`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** kill -9 between the data write and the commit: the old version stays current and readable. */
async function killBetweenWriteAndCommit(target: StoreTarget): Promise<void> {
  const readData = target.readData ?? readFsData;
  const lake = await Deno.makeTempDir({ prefix: "sluice-crash-lake-" });
  const marker = `${lake}/../${crypto.randomUUID()}.marker`;
  try {
    const first = await runApp(target, lake, { VALUE: "v1" });
    assert.equal(
      new TextDecoder().decode(first.stdout).trim(),
      "succeeded",
      new TextDecoder().decode(first.stderr),
    );

    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", APP],
      env: { ...target.env, ...target.lakeEnv, LAKE_DIR: lake, VALUE: "v2", CRASH_MARKER: marker },
      stdout: "null",
      stderr: "null",
    }).spawn();
    const staged = await waitForFile(marker, 30_000);
    child.kill("SIGKILL");
    await child.status;

    // The staged v2 files were fully written, yet v1 is what the pointer names.
    assert.equal(await readData(staged), "v2");
    const store = await target.open();
    try {
      const current = (await loadPointer(store.partitions, KEY, ALL))!;
      assert.notEqual(current.location, staged);
      assert.equal(await readData(current.location!), "v1");
      const history = await store.partitions.listMaterializations(KEY, ALL, 10);
      assert.equal(history.length, 1);
      const graph = AssetGraph.build([
        defineAsset({ key: KEY, codeVersion: "1", materialize: () => Promise.resolve({}) }),
      ]);
      // Once the dead run's lease has expired, the status says what happened to it.
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const status = (await loadStatusResolver(graph, store, new Date())).partition(KEY, ALL);
      assert.equal(status.status, "failed");
      assert.match(status.causes.map((c) => c.kind).join(), /abandoned/);
    } finally {
      await store.close();
    }

    // A new run takes the partition over and commits v2.
    const retry = await runApp(target, lake, { VALUE: "v2" });
    assert.equal(
      new TextDecoder().decode(retry.stdout).trim(),
      "succeeded",
      new TextDecoder().decode(retry.stderr),
    );
    const after = await target.open();
    try {
      const current = (await loadPointer(after.partitions, KEY, ALL))!;
      assert.equal(await readData(current.location!), "v2");
    } finally {
      await after.close();
    }
  } finally {
    await Deno.remove(lake, { recursive: true }).catch(() => {});
    await Deno.remove(marker).catch(() => {});
  }
}

Deno.test("kill -9 between data write and commit leaves the previous version current (PGlite)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sluice-crash-pg-" });
  try {
    await killBetweenWriteAndCommit({
      env: { STORE_DIR: dir },
      open: () => openMetadataStore({ embeddedDir: dir }),
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "kill -9 between data write and commit leaves the previous version current (Postgres)",
  ...needsPostgres(),
  fn: () =>
    withFreshDatabase(async (url) => {
      await killBetweenWriteAndCommit({
        env: { STORE_URL: url },
        open: () => openMetadataStore({ databaseUrl: url }),
      });
    }),
});

Deno.test({
  name: "kill -9 between data write and commit leaves the previous version current (S3 lake)",
  ...needsS3(),
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "sluice-crash-pg-" });
    const settings = testS3Settings();
    const bucket = requireTestVariable("SLUICE_TEST_S3_BUCKET");
    const prefix = `crash/${crypto.randomUUID()}`;
    const client = openS3Client(settings);
    try {
      await killBetweenWriteAndCommit({
        env: { STORE_DIR: dir },
        open: () => openMetadataStore({ embeddedDir: dir }),
        lakeEnv: {
          S3_BUCKET: bucket,
          S3_PREFIX: prefix,
          S3_ENDPOINT: settings.endpoint,
          S3_ACCESS_KEY_ID: settings.accessKey,
          S3_SECRET_ACCESS_KEY: settings.secretKey,
        },
        // Read through a cold cache, so the bytes come from the object store.
        async readData(uri) {
          const cache = await Deno.makeTempDir({ prefix: "sluice-crash-cold-" });
          try {
            const lake = new S3Lake({ client, bucket, prefix, cacheRoot: cache });
            return await Deno.readTextFile(`${(await lake.open(uri)).dir}/data`);
          } finally {
            await Deno.remove(cache, { recursive: true });
          }
        },
      });
    } finally {
      client.destroy();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "kill -9 before a promoting version's commit leaves the pointer and the alias as they were (Postgres)",
  ...needsPostgres(),
  fn: () =>
    withFreshDatabase(async (url) => {
      const target: StoreTarget = {
        env: { STORE_URL: url },
        open: () => openMetadataStore({ databaseUrl: url }),
      };
      const lake = await Deno.makeTempDir({ prefix: "sluice-crash-lake-" });
      const marker = `${lake}/../${crypto.randomUUID()}.marker`;
      const champion = async () => {
        const store = await target.open();
        try {
          const alias = await store.aliases.current(KEY, "champion");
          const pointer = await loadPointer(store.partitions, KEY, ALL);
          const moves = await store.aliases.history(KEY, "champion", 10);
          return {
            data: await readFsData(alias!.location),
            pointer: await readFsData(pointer!.location!),
            moves: moves.map((m) => m.reason),
          };
        } finally {
          await store.close();
        }
      };
      try {
        const first = await runApp(target, lake, { VALUE: "v1", PROMOTE: "1" });
        assert.equal(
          new TextDecoder().decode(first.stdout).trim(),
          "succeeded",
          new TextDecoder().decode(first.stderr),
        );
        const child = new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", "--quiet", APP],
          env: { ...target.env, LAKE_DIR: lake, VALUE: "v2", PROMOTE: "1", CRASH_MARKER: marker },
          stdout: "null",
          stderr: "null",
        }).spawn();
        await waitForFile(marker, 30_000);
        child.kill("SIGKILL");
        await child.status;
        assert.deepEqual(await champion(), { data: "v1", pointer: "v1", moves: ["v1"] });
        // Once the dead run's lease expired, a new run commits v2 and its promotion together.
        await new Promise((resolve) => setTimeout(resolve, 1_100));
        const retry = await runApp(target, lake, { VALUE: "v2", PROMOTE: "1" });
        assert.equal(
          new TextDecoder().decode(retry.stdout).trim(),
          "succeeded",
          new TextDecoder().decode(retry.stderr),
        );
        assert.deepEqual(await champion(), { data: "v2", pointer: "v2", moves: ["v2", "v1"] });
      } finally {
        await Deno.remove(lake, { recursive: true }).catch(() => {});
        await Deno.remove(marker).catch(() => {});
      }
    }),
});
