// `deno task ingest` against a real Kafka broker and Postgres: every produced record lands in
// bronze exactly once (accepted or quarantined), across kill -9, broker restarts and several
// ingesting processes.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import type { Kafka } from "kafkajs";
import postgres from "postgres";
import { isAlive, livenessFile } from "../../../cli/liveness.ts";
import { locationParts } from "../../../runtime/definitions/part_set.ts";
import { generateEvents } from "../../../generator/event_stream.ts";
import { openDuckDb } from "../../../resources/duckdb/duckdb.ts";
import { openKafka } from "../../../resources/kafka/kafka_client.ts";
import { BRONZE_FILE, REJECTED_FILE } from "../../../ingest/landing/day_ingest.ts";
import {
  isCI,
  needsKafka,
  needsPostgres,
  requireTestVariable,
  withFreshDatabase,
} from "../../support/services.ts";
import { startKafka } from "../../support/kafka_server.ts";
import { Random } from "../../../generator/random.ts";
import { finish, runScript, scriptCommand } from "../../support/deno_script.ts";

const START = "2026-11-01";
const services = { ignore: needsKafka().ignore || needsPostgres().ignore };

interface Setup {
  readonly env: Record<string, string>;
  readonly databaseUrl: string;
}

/** A fresh database, lake and topic prefix on the test broker (or `brokers`). */
async function withSetup(fn: (setup: Setup) => Promise<void>, brokers?: string): Promise<void> {
  await withFreshDatabase(async (databaseUrl) => {
    const home = await Deno.makeTempDir({ prefix: "sluice-ingest-" });
    try {
      await fn({
        databaseUrl,
        env: {
          KAFKA_BROKERS: brokers ?? requireTestVariable("SLUICE_TEST_KAFKA_BROKERS"),
          KAFKA_TOPIC_PREFIX: `t${crypto.randomUUID().slice(0, 8)}.`,
          DATABASE_URL: databaseUrl,
          SLUICE_HOME: home,
          SLUICE_LAKE: join(home, "lake"),
          SLUICE_LOG_LEVEL: "error",
        },
      });
    } finally {
      await Deno.remove(home, { recursive: true });
    }
  });
}

function produce(env: Record<string, string>, events: number, extra: string[] = []) {
  return runScript("sluice.ts", [
    "generate",
    "--kafka",
    "--events",
    String(events),
    "--seed",
    "3",
    "--start",
    START,
    "--batch-size",
    "1000",
    ...extra,
  ], env);
}

function ingest(env: Record<string, string>, args: string[] = ["--until-caught-up"]) {
  return scriptCommand("sluice.ts", ["ingest", ...args], env).spawn();
}

/** How many records of the generated run the contracts reject. */
function expectedRejected(events: number): number {
  const stats = generateEvents({
    seed: 3,
    events,
    start: Date.parse(`${START}T00:00:00Z`),
    end: Date.parse(`${START}T00:00:00Z`) + 86_400_000,
    fraudRate: 0.03,
    malformedRate: 0.001,
  }, () => {});
  return Object.values(stats.topics).reduce((n, t) => n + t.malformed, 0);
}

interface BronzeCounts {
  readonly rows: number;
  readonly rejected: number;
  /** Distinct (topic, partition, offset) over both files of every segment. */
  readonly distinctOffsets: number;
  /** Segments whose offset ranges overlap another of the same partition. */
  readonly overlaps: number;
}

/** What bronze holds: the rows of every part of each current bronze pointer, from Parquet. */
async function bronzeCounts(databaseUrl: string): Promise<BronzeCounts> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const pointers = await sql<{ location: string }[]>`
      select location from platform.asset_partitions
      where asset_key like 'bronze.%' and location is not null`;
    const [{ overlaps }] = await sql<{ overlaps: number }[]>`
      select count(*)::int as overlaps from ingest.kafka_segments a
      join ingest.kafka_segments b on a.kafka_topic = b.kafka_topic
        and a.kafka_partition = b.kafka_partition and a.start_offset < b.start_offset
        and b.start_offset < a.end_offset`;
    if (pointers.length === 0) return { rows: 0, rejected: 0, distinctOffsets: 0, overlaps };
    const dirs = pointers.flatMap((p) => locationParts(p.location)).map((uri) =>
      fileURLToPath(uri)
    );
    const list = (file: string) => dirs.map((d) => `'${join(d, file)}'`).join(", ");
    const db = await openDuckDb({ threads: 1 });
    try {
      const [counts] = await db.all<{ rows: bigint; rejected: bigint; distinct_offsets: bigint }>(
        `WITH accepted AS (SELECT _topic AS topic, _partition AS p, _offset AS o
                           FROM read_parquet([${list(BRONZE_FILE)}])),
              rejected AS (SELECT topic, partition AS p, "offset" AS o
                           FROM read_parquet([${list(REJECTED_FILE)}])),
              everything AS (SELECT * FROM accepted UNION ALL SELECT * FROM rejected)
         SELECT (SELECT count(*) FROM accepted) AS rows,
                (SELECT count(*) FROM rejected) AS rejected,
                (SELECT count(*) FROM (SELECT DISTINCT topic, p, o FROM everything))
                  AS distinct_offsets`,
      );
      return {
        rows: Number(counts.rows),
        rejected: Number(counts.rejected),
        distinctOffsets: Number(counts.distinct_offsets),
        overlaps,
      };
    } finally {
      db.close();
    }
  } finally {
    await sql.end();
  }
}

/** Parts of current bronze pointers that a compaction wrote. */
async function compactedParts(databaseUrl: string): Promise<number> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const pointers = await sql<{ location: string }[]>`
      select location from platform.asset_partitions where asset_key like 'bronze.%'`;
    return pointers.flatMap((p) => locationParts(p.location)).filter((uri) =>
      uri.includes("compact-")
    ).length;
  } finally {
    await sql.end();
  }
}

/** Records the committed segments hold (0 before the ingester has created its tables). */
async function recordsIn(databaseUrl: string): Promise<number> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const [{ n }] = await sql<{ n: number }[]>`
      select coalesce(sum(rows + rejected), 0)::int as n from ingest.kafka_segments`;
    return n;
  } catch (error) {
    if ((error as { code?: string }).code === "42P01") return 0;
    throw error;
  } finally {
    await sql.end();
  }
}

/** Waits until the committed segments hold `events` records. */
async function waitForRecords(databaseUrl: string, events: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (await recordsIn(databaseUrl) >= events) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(
    `bronze did not reach ${events} records within 60 s: ${await recordsIn(databaseUrl)}`,
  );
}

function assertExactlyOnce(counts: BronzeCounts, events: number) {
  const rejected = expectedRejected(events);
  assert.equal(counts.rows + counts.rejected, events, JSON.stringify(counts));
  assert.equal(counts.rejected, rejected, "the malformed records are in quarantine");
  assert.equal(counts.distinctOffsets, events, "no record is in bronze twice");
  assert.equal(counts.overlaps, 0, "no two segments cover the same offsets");
}

Deno.test({
  name:
    "ingest puts exactly N records in bronze: the valid ones as rows, the rejected in quarantine",
  ...services,
  fn: () =>
    withSetup(async ({ env, databaseUrl }) => {
      const produced = await produce(env, 4_000);
      assert.equal(produced.code, 0, produced.stderr);
      const result = await finish(ingest(env));
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /Ingested 4,000 records/);
      assertExactlyOnce(await bronzeCounts(databaseUrl), 4_000);
      // It recorded itself alive, which compose's health check (`ingest --health`) reads.
      assert.ok(await isAlive(livenessFile(env.SLUICE_HOME, "ingest"), 60_000));
      // Nothing new: a second run ingests nothing and changes nothing.
      const again = await finish(ingest(env));
      assert.match(again.stdout, /Ingested 0 records/);
      assertExactlyOnce(await bronzeCounts(databaseUrl), 4_000);
    }),
});

Deno.test({
  name: "kill -9 of the ingester at random moments, 10 times, while producing: still exactly N",
  ...services,
  fn: () =>
    withSetup(async ({ env, databaseUrl }) => {
      const events = 40_000;
      const producing = produce(env, events, ["--target-rate", "4000"]);
      for (let kill = 0; kill < 10; kill++) {
        // Tiny parts thresholds: compactions run, and get killed, too.
        const child = ingest(env, ["--compact-at", "3"]);
        // Start-up (joining the group) takes about a second; most kills land mid-ingestion.
        await new Promise((resolve) => setTimeout(resolve, 800 + Math.random() * 1_200));
        child.kill("SIGKILL");
        await child.output();
      }
      const produced = await producing;
      assert.equal(produced.code, 0, produced.stderr);
      const drained = await finish(ingest(env, ["--until-caught-up", "--compact-at", "3"]));
      assert.equal(drained.code, 0, drained.stderr);
      assertExactlyOnce(await bronzeCounts(databaseUrl), events);
      assert.ok(await compactedParts(databaseUrl) > 0, "no bronze day was compacted");
    }),
});

Deno.test({
  name:
    "an ingester killed with -9 is recorded abandoned by the next, whose summary counts what it committed",
  ...services,
  fn: () =>
    withSetup(async ({ env, databaseUrl }) => {
      const events = 20_000;
      const produced = await produce(env, events);
      assert.equal(produced.code, 0, produced.stderr);
      const killed = ingest(env, []);
      await waitForRecords(databaseUrl, 1);
      killed.kill("SIGKILL");
      await killed.output();
      const before = await recordsIn(databaseUrl);
      assert.ok(before < events, "the killed ingester finished first: raise the events");

      const next = await finish(ingest(env));
      assert.equal(next.code, 0, next.stderr);
      const ingested = Number(
        next.stdout.match(/Ingested ([\d,]+) records/)![1].replaceAll(",", ""),
      );
      assert.equal(ingested, events - before);
      assertExactlyOnce(await bronzeCounts(databaseUrl), events);

      const runs = await ingestRuns(databaseUrl);
      assert.deepEqual(runs.map((r) => r.status), ["abandoned", "succeeded"]);
      assert.match(
        runs[0].reason!,
        /^its process \S+:\d+ is gone \(noticed by ingest on \S+:\d+\)$/,
      );
      assert.equal(runs[1].records, events - before);
    }),
});

/** The ingest runs, oldest first: status, abandon reason and the records it reported. */
async function ingestRuns(databaseUrl: string) {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ status: string; reason: string | null; records: number | null }[]>`
      select status, summary->>'reason' as reason, (summary->>'records')::int as records
      from platform.runs where command = 'ingest' order by started_at`;
    return rows.map((row) => ({ ...row }));
  } finally {
    await sql.end();
  }
}

Deno.test({
  name: "an ingester of another topic prefix on the same broker leaves this one its partitions",
  ...services,
  fn: () =>
    withSetup(async ({ env, databaseUrl }) => {
      // Another environment's ingester, running all along (its own prefix and database).
      const other = ingest(
        { ...env, KAFKA_TOPIC_PREFIX: `o${crypto.randomUUID().slice(0, 8)}.` },
        [],
      );
      try {
        await new Promise((resolve) => setTimeout(resolve, 4_000));
        const produced = await produce(env, 4_000);
        assert.equal(produced.code, 0, produced.stderr);
        const result = await finish(ingest(env));
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, /Ingested 4,000 records/);
        assertExactlyOnce(await bronzeCounts(databaseUrl), 4_000);
      } finally {
        other.kill("SIGTERM");
        await finish(other);
      }
    }),
});

Deno.test({
  name: "two ingesters share the partitions and read nothing twice",
  ...services,
  fn: () =>
    withSetup(async ({ env, databaseUrl }) => {
      const events = 20_000;
      // Both join the group first, so the partitions are spread before anything arrives.
      // Both append to the same days and compact them: neither may drop the other's parts.
      const first = ingest(env, ["--compact-at", "3"]);
      const second = ingest(env, ["--compact-at", "3"]);
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      const produced = await produce(env, events);
      assert.equal(produced.code, 0, produced.stderr);
      await waitForRecords(databaseUrl, events);
      first.kill("SIGTERM");
      second.kill("SIGTERM");
      const [a, b] = await Promise.all([finish(first), finish(second)]);
      const ingested = [a, b].map((r) => {
        assert.equal(r.code, 130, r.stderr);
        return Number(r.stdout.match(/Ingested ([\d,]+) records/)![1].replaceAll(",", ""));
      });
      assert.equal(ingested[0] + ingested[1], events);
      assert.ok(ingested.every((n) => n > 0), `one ingester did all the work: ${ingested}`);
      assertExactlyOnce(await bronzeCounts(databaseUrl), events);
    }),
});

Deno.test({
  name: "a broker restart while producing and ingesting loses and duplicates nothing",
  ignore: services.ignore || (!isCI() && !Deno.env.get("SLUICE_TEST_KAFKA_BROKERS")),
  fn: async () => {
    // A broker of its own: restarting the shared one would disturb other tests.
    const broker = await startKafka();
    try {
      await withSetup(async ({ env, databaseUrl }) => {
        const events = 200_000;
        let producing = true;
        const production = produce(env, events, ["--target-rate", "20000"])
          .finally(() => producing = false);
        const running = ingest({ ...env, SLUICE_LOG_LEVEL: "warn" }, []);
        await waitForRecords(databaseUrl, 1);
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        assert.ok(producing, "production finished before the restart: raise the events");
        const before = await recordsIn(databaseUrl);
        assert.ok(before < events, "ingestion finished before the restart: raise the events");
        await broker.restart({ downMs: 1_000 });
        // The producer retries its batch in a new transaction (the interrupted one is aborted,
        // so never read); the ingester rides the restart out, and stops on SIGTERM.
        const produced = await production;
        assert.equal(produced.code, 0, produced.stderr);
        await waitForRecords(databaseUrl, events).catch(async (error) => {
          running.kill("SIGKILL");
          const { stderr } = await finish(running);
          throw new Error(`${error.message}; the ingester said:\n${stderr.slice(-4_000)}`);
        });
        running.kill("SIGTERM");
        const stopped = await finish(running);
        assert.equal(stopped.code, 130, stopped.stderr);
        assertExactlyOnce(await bronzeCounts(databaseUrl), events);
      }, broker.brokers);
    } finally {
      await broker.stop();
    }
  },
});

/** The records an `ingest` run's summary says it committed. */
function ingestedOf(stdout: string): number {
  const match = stdout.match(/Ingested ([\d,]+) records/);
  assert.ok(match, `no summary in: ${stdout}`);
  return Number(match[1].replaceAll(",", ""));
}

Deno.test({
  name:
    "broker SIGKILL mid-production and mid-ingest at seeded points: exactly N, the generator completes, the summaries add up",
  ignore: services.ignore || (!isCI() && !Deno.env.get("SLUICE_TEST_KAFKA_BROKERS")),
  fn: async () => {
    // A broker of its own: killing the shared one would disturb other tests.
    const broker = await startKafka();
    const random = new Random(16);
    try {
      await withSetup(async ({ env, databaseUrl }) => {
        // 1. Killed while the generator produces and an ingester consumes.
        const firstEvents = 60_000;
        let producing = true;
        const production = produce(env, firstEvents, ["--target-rate", "3000"])
          .finally(() => producing = false);
        const running = ingest({ ...env, SLUICE_LOG_LEVEL: "error" }, []);
        await waitForRecords(databaseUrl, 1);
        await new Promise((resolve) => setTimeout(resolve, random.int(2_000, 8_000)));
        assert.ok(producing, "production finished before the kill: raise the events");
        await broker.kill();
        await new Promise((resolve) => setTimeout(resolve, random.int(3_000, 12_000)));
        await broker.start();
        const produced = await production;
        assert.equal(produced.code, 0, produced.stderr);
        assert.match(produced.stdout, /Produced 60,000 events/);
        await waitForRecords(databaseUrl, firstEvents);
        running.kill("SIGTERM");
        const first = await finish(running);
        assert.equal(first.code, 130, first.stderr);

        // 2. Killed while an ingester drains a backlog, nothing producing. The generator's
        // second run starts where the first ended, so every record is new.
        const secondEvents = 150_000;
        const backlog = await runScript("sluice.ts", [
          "generate",
          "--kafka",
          "--events",
          String(secondEvents),
          "--seed",
          "4",
          "--start",
          "2026-11-02",
          "--batch-size",
          "5000",
        ], env);
        assert.equal(backlog.code, 0, backlog.stderr);
        const draining = ingest({ ...env, SLUICE_LOG_LEVEL: "error" });
        await waitForRecords(databaseUrl, firstEvents + 1);
        await new Promise((resolve) => setTimeout(resolve, random.int(100, 1_000)));
        const before = await recordsIn(databaseUrl);
        assert.ok(before < firstEvents + secondEvents, "drained before the kill: raise the events");
        await broker.kill();
        await new Promise((resolve) => setTimeout(resolve, random.int(3_000, 12_000)));
        await broker.start();
        const second = await finish(draining);
        assert.equal(second.code, 0, second.stderr);

        const counts = await bronzeCounts(databaseUrl);
        assert.equal(counts.rows + counts.rejected, firstEvents + secondEvents);
        assert.equal(counts.distinctOffsets, firstEvents + secondEvents, "no offset twice");
        assert.equal(counts.overlaps, 0);
        // Each summary counts what its process committed: together, every record once.
        assert.equal(
          ingestedOf(first.stdout) + ingestedOf(second.stdout),
          firstEvents + secondEvents,
        );
        assert.equal(ingestedOf(first.stdout), firstEvents);
        assert.equal(ingestedOf(second.stdout), secondEvents);
      }, broker.brokers);
    } finally {
      await broker.stop();
    }
  },
});

Deno.test({
  name: "records retention removed before ingestion are reported; the rest land exactly once",
  ...services,
  fn: () =>
    withSetup(async ({ env, databaseUrl }) => {
      // Retention's effect, now: the broker drops the first records of a partition never read,
      // then of one committed up to the first run.
      const kafka = openKafka({
        brokers: [env.KAFKA_BROKERS],
        clientId: "sluice-test",
        topicPrefix: env.KAFKA_TOPIC_PREFIX,
        retentionHours: 1,
      });
      const admin = kafka.admin();
      await admin.connect();
      let removed = 0;
      try {
        const cutHalf = async (topic: string, partition: number, from: bigint) => {
          const bounds = (await admin.fetchTopicOffsets(topic))
            .find((p) => p.partition === partition)!;
          const cut = from + (BigInt(bounds.high) - from) / 2n;
          // Offsets also number transaction markers: count the records below the cut.
          const records = (await recordOffsets(kafka, topic, partition))
            .filter((offset) => offset >= from && offset < cut);
          assert.ok(records.length > 0, `no records to remove in ${topic}/${partition}`);
          await admin.deleteTopicRecords({ topic, partitions: [{ partition, offset: `${cut}` }] });
          removed += records.length;
        };
        const first = await produce(env, 3_000);
        assert.equal(first.code, 0, first.stderr);
        await cutHalf(`${env.KAFKA_TOPIC_PREFIX}payments`, 1, 0n);
        assert.equal((await finish(ingest(env))).code, 0);
        const second = await produce(env, 3_000);
        assert.equal(second.code, 0, second.stderr);
        const orders = `${env.KAFKA_TOPIC_PREFIX}orders`;
        await cutHalf(orders, 0, await committedOffset(databaseUrl, orders, 0));
      } finally {
        await admin.disconnect();
      }
      const result = await finish(ingest({ ...env, SLUICE_LOG_LEVEL: "warn" }));
      assert.equal(result.code, 0, result.stderr);
      assert.match(
        result.stderr,
        /records removed from the topic before they were ingested \(retention\).*orders\/0/,
      );
      const counts = await bronzeCounts(databaseUrl);
      assert.equal(counts.rows + counts.rejected, 6_000 - removed, JSON.stringify(counts));
      assert.equal(counts.distinctOffsets, counts.rows + counts.rejected);
      assert.equal(counts.overlaps, 0);
    }),
});

/** The offsets of the committed records of one partition, read from the broker. */
async function recordOffsets(kafka: Kafka, topic: string, partition: number): Promise<bigint[]> {
  const admin = kafka.admin();
  await admin.connect();
  const bounds = (await admin.fetchTopicOffsets(topic)).find((p) => p.partition === partition)!;
  await admin.disconnect();
  // Each transaction ends with a marker: the partition's last record is two below its end.
  const last = BigInt(bounds.high) - 2n;
  const consumer = kafka.consumer({ groupId: `test-${crypto.randomUUID()}` });
  const offsets: bigint[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      consumer.run({
        eachMessage: ({ partition: p, message }) => {
          if (p === partition) offsets.push(BigInt(message.offset));
          if (p === partition && BigInt(message.offset) >= last) resolve();
          return Promise.resolve();
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return offsets;
}

/** The committed next offset of one partition of the default group. */
async function committedOffset(databaseUrl: string, topic: string, partition: number) {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const [{ next }] = await sql<{ next: string }[]>`
      select next_offset::text as next from ingest.kafka_offsets
      where kafka_topic = ${topic} and kafka_partition = ${partition}`;
    return BigInt(next);
  } finally {
    await sql.end();
  }
}

Deno.test({
  name: "ingest against no broker fails with one line naming KAFKA_BROKERS",
  ...needsPostgres(),
  fn: () =>
    withSetup(async ({ env }) => {
      const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const port = (listener.addr as Deno.NetAddr).port;
      listener.close();
      const result = await finish(ingest({ ...env, KAFKA_BROKERS: `127.0.0.1:${port}` }));
      assert.equal(result.code, 1);
      const lines = result.stderr.trim().split("\n");
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0], /Kafka broker unreachable at 127\.0\.0\.1:\d+ .*check KAFKA_BROKERS/);
    }, "127.0.0.1:1"),
});
