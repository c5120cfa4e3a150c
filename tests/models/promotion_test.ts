// Promotion and rollback of the fraud model by hand, on a real Postgres: each is one
// compare-and-set move of `champion` with its history; of two concurrent promotions one wins
// and the history says so; versions are found by prefix or day, and an unknown one is a
// RequestError (exit 2 in the CLI).
import assert from "node:assert/strict";
import { ConcurrentChangeError, RequestError } from "../../runtime/errors.ts";
import type { PartitionKey } from "../../runtime/partitions/partition_key.ts";
import type {
  MaterializationId,
  MetadataStore,
  RunId,
} from "../../runtime/store/metadata_store.ts";
import type {
  CodeVersion,
  DataVersion,
  InputSignature,
} from "../../runtime/definitions/version.ts";
import { openPostgresClient } from "../../resources/postgres/postgres_client.ts";
import { SqlMetadataStore } from "../../runtime/store/sql/sql_metadata_store.ts";
import { MODEL_REPORT_FORMAT, type ModelReport } from "../../models/model_report.ts";
import {
  CHAMPION,
  findModelVersion,
  FRAUD_DETECTOR_KEY,
  listModelVersions,
} from "../../models/model_versions.ts";
import { promoteModel, rollbackModel } from "../../models/promotion.ts";
import { createFreshDatabase, needsPostgres } from "../support/services.ts";

const T0 = Date.parse("2026-11-01T10:00:00Z");
const at = (minutes: number) => new Date(T0 + minutes * 60_000);
const who = (minutes: number) => ({ movedBy: "ana@laptop", at: at(minutes) });

/** A report as the model asset writes it, trained or not, its gates passed or not. */
function report(options: { trained?: boolean; gatesPassed?: boolean } = {}): ModelReport {
  const trained = options.trained ?? true;
  const passed = options.gatesPassed ?? true;
  return {
    format: MODEL_REPORT_FORMAT,
    trained,
    ...(!trained && { notTrained: "the window holds 12 training rows, fewer than 1000" }),
    training: { rows: 5000, positives: 150, days: ["2026-10-30"] },
    validation: { day: "2026-10-31", rows: 2000, positives: 60 },
    gates: {
      passed,
      summary: passed ? "all 6 gates passed" : "1 of 6 gates failed: recall 0.5500 < 0.6000",
      gates: [],
    },
    promotion: { promoted: false, detail: "not promoted" },
  };
}

/** Commits a version of the model for `day` with materialization id `id`. */
async function commitVersion(
  store: MetadataStore,
  id: string,
  day: string,
  minutes: number,
  modelReport = report(),
): Promise<void> {
  const runId = `run-${id}` as RunId;
  await store.runs.startRun({
    id: runId,
    command: "materialize",
    selection: FRAUD_DETECTOR_KEY,
    partitions: day,
    host: "test",
    pid: 1,
    startedAt: at(minutes),
  });
  await store.leases.claim(FRAUD_DETECTOR_KEY, day as PartitionKey, runId, "test", 60_000);
  await store.partitions.commitMaterialization({
    id: id as MaterializationId,
    runId,
    assetKey: FRAUD_DETECTOR_KEY,
    partition: day as PartitionKey,
    dataVersion: `data-${id}` as DataVersion,
    codeVersion: "code" as CodeVersion,
    inputSignature: "sig" as InputSignature,
    location: `lake/models/fraud_detector/${id}`,
    rows: 5000,
    bytes: 1000,
    metadata: JSON.parse(JSON.stringify(modelReport)),
    inputs: [{
      assetKey: "silver.orders_enriched",
      partition: "2026-10-30",
      dataVersion: "v1" as DataVersion,
    }],
    startedAt: at(minutes),
    committedAt: at(minutes),
  });
}

async function withStore(fn: (store: MetadataStore, other: MetadataStore) => Promise<void>) {
  const database = await createFreshDatabase();
  const open = async () =>
    new SqlMetadataStore(
      await openPostgresClient(database.url, { variable: "SLUICE_TEST_DATABASE_URL" }),
    );
  const store = await open();
  const other = await open();
  try {
    await store.migrate();
    await fn(store, other);
  } finally {
    await store.close();
    await other.close();
    await database.drop();
  }
}

const pg = { ...needsPostgres(), sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "promoteModel() moves the champion once with its reason; rollbackModel() moves it back",
  ...pg,
  fn: () =>
    withStore(async (store) => {
      await commitVersion(store, "aaaa1111-0000", "2026-11-01", 0);
      await commitVersion(store, "bbbb2222-0000", "2026-11-02", 10);
      const first = await promoteModel(store, "aaaa", who(20));
      assert.equal(first.move?.to, "aaaa1111-0000");
      assert.equal(first.previous, undefined);
      const again = await promoteModel(store, "aaaa1111", who(21));
      assert.equal(again.move, undefined, "already the champion: nothing moves");
      const second = await promoteModel(store, "2026-11-02", { ...who(30), reason: "better" });
      assert.equal(second.previous, "aaaa1111");
      const back = await rollbackModel(store, who(40));
      assert.equal(back.version.materializationId, "aaaa1111-0000");
      assert.equal(back.previous, "bbbb2222");
      const history = await store.aliases.history(FRAUD_DETECTOR_KEY, CHAMPION, 10);
      assert.deepEqual(history.map((m) => [m.from ?? null, m.to, m.reason, m.movedBy]), [
        ["bbbb2222-0000", "aaaa1111-0000", "rollback from bbbb2222", "ana@laptop"],
        ["aaaa1111-0000", "bbbb2222-0000", "better", "ana@laptop"],
        [null, "aaaa1111-0000", "promoted by hand", "ana@laptop"],
      ]);
      const versions = await listModelVersions(store);
      assert.deepEqual(versions.map((v) => [v.version, v.partition, v.champion]), [
        ["bbbb2222", "2026-11-02", false],
        ["aaaa1111", "2026-11-01", true],
      ]);
    }),
});

Deno.test({
  name: "of two concurrent promotions one wins and the other changes nothing",
  ...pg,
  fn: () =>
    withStore(async (store, other) => {
      await commitVersion(store, "aaaa1111-0000", "2026-11-01", 0);
      await commitVersion(store, "bbbb2222-0000", "2026-11-02", 10);
      await commitVersion(store, "cccc3333-0000", "2026-11-03", 20);
      await promoteModel(store, "aaaa", who(30));
      // Both promoters have read the champion (aaaa) when they move it.
      const bothRead = barrier(2);
      const racing = (s: MetadataStore) => withMoveBarrier(s, bothRead);
      const results = await Promise.allSettled([
        promoteModel(racing(store), "bbbb", who(40)),
        promoteModel(racing(other), "cccc", who(40)),
      ]);
      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      assert.equal(won.length, 1);
      assert.equal(lost.length, 1);
      assert.ok(lost[0].reason instanceof ConcurrentChangeError, String(lost[0].reason));
      const winner = (await store.aliases.current(FRAUD_DETECTOR_KEY, CHAMPION))!.materializationId;
      const history = await store.aliases.history(FRAUD_DETECTOR_KEY, CHAMPION, 10);
      assert.deepEqual(history.map((m) => [m.from ?? null, m.to]), [
        ["aaaa1111-0000", winner],
        [null, "aaaa1111-0000"],
      ]);
    }),
});

Deno.test({
  name: "promotion refuses a version without a model, and one that failed its gates unless forced",
  ...pg,
  fn: () =>
    withStore(async (store) => {
      await commitVersion(store, "aaaa1111-0000", "2026-11-01", 0, report({ trained: false }));
      await commitVersion(store, "bbbb2222-0000", "2026-11-02", 10, report({ gatesPassed: false }));
      await assert.rejects(
        promoteModel(store, "aaaa", who(20)),
        (e: unknown) => e instanceof RequestError && /no model was trained/.test(e.message),
      );
      await assert.rejects(
        promoteModel(store, "bbbb", who(20)),
        (e: unknown) =>
          e instanceof RequestError && /recall 0\.5500 < 0\.6000; pass --force/.test(e.message),
      );
      const forced = await promoteModel(store, "bbbb", { ...who(30), force: true });
      assert.equal(forced.move?.reason, "promoted by hand (forced)");
    }),
});

Deno.test({
  name:
    "versions are found by prefix or day; unknown, ambiguous or too short ones are request errors",
  ...pg,
  fn: () =>
    withStore(async (store) => {
      await commitVersion(store, "abcd1111-0000", "2026-11-01", 0);
      await commitVersion(store, "abcd2222-0000", "2026-11-01", 10);
      assert.equal((await findModelVersion(store, "abcd1")).materializationId, "abcd1111-0000");
      // A day names its newest version.
      assert.equal(
        (await findModelVersion(store, "2026-11-01")).materializationId,
        "abcd2222-0000",
      );
      for (
        const [ref, message] of [
          ["ffff", /No version 'ffff' of models\.fraud_detector/],
          ["abcd", /is ambiguous/],
          ["ab", /at least 4 characters/],
          ["2026-12-31", /No version '2026-12-31'/],
        ] as const
      ) {
        await assert.rejects(
          findModelVersion(store, ref),
          (e: unknown) => e instanceof RequestError && message.test(e.message),
        );
      }
      await assert.rejects(
        rollbackModel(store, who(20)),
        (e: unknown) => e instanceof RequestError && /has no champion yet/.test(e.message),
      );
      await promoteModel(store, "abcd1", who(20));
      await assert.rejects(
        rollbackModel(store, who(30)),
        (e: unknown) => e instanceof RequestError && /the first it ever had/.test(e.message),
      );
    }),
});

/** Resolves every waiter once `count` have arrived. */
function barrier(count: number): () => Promise<void> {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => (release = resolve));
  return () => {
    if (++arrived === count) release();
    return all;
  };
}

/** The store, whose alias moves wait at `arrive` (after the mover read the alias). */
function withMoveBarrier(store: MetadataStore, arrive: () => Promise<void>): MetadataStore {
  const aliases = Object.create(store.aliases);
  aliases.move = async (...args: Parameters<MetadataStore["aliases"]["move"]>) => {
    await arrive();
    return await store.aliases.move(...args);
  };
  return Object.assign(Object.create(store), { aliases });
}
