// A zombie ingester: it read a batch, then stalled past its session while the group gave its
// partitions to another ingester, which ingested everything. When the zombie wakes up and
// commits, the offset compare-and-set refuses its batch: nothing lands twice, and its files are
// removed from the lake.
import assert from "node:assert/strict";
import { join } from "node:path";
import { kafkaBronzeTarget } from "../../../assets/kafka_sources.ts";
import { produceToKafka } from "../../../generator/kafka_run.ts";
import { runIngestor } from "../../../ingest/kafka/bronze_ingestor.ts";
import { INGEST_MIGRATIONS } from "../../../ingest/migrations.ts";
import { openDuckDb } from "../../../resources/duckdb/duckdb.ts";
import { openKafka } from "../../../resources/kafka/kafka_client.ts";
import { FsLake } from "../../../resources/lake/fs_lake.ts";
import { openMetadataStore } from "../../../resources/postgres/open_metadata_store.ts";
import { locationParts } from "../../../runtime/definitions/part_set.ts";
import { createLogger, type LogEvent } from "../../../runtime/logger.ts";
import type { RunId } from "../../../runtime/store/metadata_store.ts";
import { ingestRun } from "../../support/runtime_harness.ts";
import {
  needsKafka,
  needsPostgres,
  requireTestVariable,
  withFreshDatabase,
} from "../../support/services.ts";

const EVENTS = 3_000;
const GROUP = "sluice-bronze";

/** Every Parquet file under `dir`, as file:// URIs' paths. */
async function parquetFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (at: string) => {
    for await (const entry of Deno.readDir(at)) {
      const path = join(at, entry.name);
      if (entry.isDirectory) await walk(path);
      else if (entry.name.endsWith(".parquet")) files.push(path);
    }
  };
  await walk(dir);
  return files.sort();
}

Deno.test({
  name: "a zombie ingester's late commit is refused by the offset compare-and-set; nothing twice",
  ignore: needsKafka().ignore || needsPostgres().ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withFreshDatabase(async (url) => {
      const brokers = requireTestVariable("SLUICE_TEST_KAFKA_BROKERS").split(",");
      const config = {
        brokers,
        clientId: "sluice-test",
        topicPrefix: `t${crypto.randomUUID().slice(0, 8)}.`,
        retentionHours: 1,
      };
      await produceToKafka({
        seed: 4,
        events: EVENTS,
        days: 1,
        start: Date.parse("2026-11-01T00:00:00Z"),
        fraudRate: 0.03,
        malformedRate: 0.01,
        landing: "",
        batchSize: 1_000,
      }, config);
      const root = await Deno.makeTempDir({ prefix: "sluice-zombie-" });
      const store = await openMetadataStore({ databaseUrl: url });
      const duckdb = await openDuckDb({ threads: 1 });
      try {
        await store.migrateSchema(INGEST_MIGRATIONS);
        const lake = new FsLake({ root });
        const common = (runId: string) => ({
          kafka: openKafka(config),
          topicPrefix: config.topicPrefix,
          group: GROUP,
          partitions: store.partitions,
          db: store.database,
          lake,
          duckdb,
          log: createLogger([]),
          target: kafkaBronzeTarget(runId as RunId),
        });
        for (const id of ["zombie", "survivor"]) await store.runs.startRun(ingestRun(id));

        // The zombie holds its first batch, written but uncommitted, until told to go on.
        let held!: () => void;
        const holding = new Promise<void>((resolve) => held = resolve);
        let release!: () => void;
        const released = new Promise<void>((resolve) => release = resolve);
        let first = true;
        let refusedNow!: (event: LogEvent) => void;
        const refused = new Promise<LogEvent>((resolve) => refusedNow = resolve);
        const stopZombie = new AbortController();
        const zombie = runIngestor({
          ...common("zombie"),
          log: createLogger([(event) => {
            if (/moved past .* meanwhile: another ingester owns/.test(event.message)) {
              refusedNow(event);
            }
          }]),
          signal: stopZombie.signal,
          async beforeCommit() {
            if (!first) return;
            first = false;
            held();
            await released;
          },
        });
        await holding;

        // Stalled past its 10 s session, the zombie loses its partitions to the survivor, which
        // ingests every record.
        const survivor = await runIngestor({ ...common("survivor"), untilCaughtUp: true });
        assert.equal(survivor.records, EVENTS);
        assert.equal(survivor.conflicts, 0);

        release();
        // Its commit is refused (it says so in a warning), then it is stopped.
        await refused;
        stopZombie.abort();
        const report = await zombie;
        assert.equal(report.conflicts, 1);
        assert.equal(report.records, 0);

        const [{ records, overlaps }] = await store.database.query<
          { records: number; overlaps: number }
        >(
          `select (select coalesce(sum(rows + rejected), 0)::int from ingest.kafka_segments)
                    as records,
                  (select count(*)::int from ingest.kafka_segments a join ingest.kafka_segments b
                     on a.kafka_topic = b.kafka_topic and a.kafka_partition = b.kafka_partition
                    and a.start_offset < b.start_offset and b.start_offset < a.end_offset)
                    as overlaps`,
        );
        assert.equal(records, EVENTS);
        assert.equal(overlaps, 0);
        // The zombie's files went with its refused commit: every Parquet file in the lake is a
        // part of a bronze pointer.
        const pointers = await store.database.query<{ location: string }>(
          `select location from platform.asset_partitions
           where asset_key like 'bronze.%' and location is not null`,
        );
        const parts = pointers.flatMap((p) => locationParts(p.location))
          .map((uri) => new URL(uri).pathname);
        const referenced = new Set(
          (await Promise.all(parts.map(parquetFiles))).flat(),
        );
        assert.deepEqual(await parquetFiles(root), [...referenced].sort());
      } finally {
        duckdb.close();
        await store.close();
        await Deno.remove(root, { recursive: true });
      }
    }),
});
