// The contract every MetadataStore passes, run against each backend (PGlite in memory and on
// disk, a real Postgres server). `openFresh` returns an empty, not yet migrated store.
import assert from "node:assert/strict";
import type { AssetKey } from "../../../runtime/definitions/asset_key.ts";
import type { CheckResult } from "../../../runtime/definitions/check.ts";
import { RuntimeInvariantError } from "../../../runtime/errors.ts";
import type { LogEvent } from "../../../runtime/logger.ts";
import type { PartitionKey } from "../../../runtime/partitions/partition_key.ts";
import {
  loadPointer,
  type MaterializationId,
  type MetadataStore,
  type NewMaterialization,
  type NewRun,
  pointerKey,
  type RunId,
  type StepRecord,
} from "../../../runtime/store/metadata_store.ts";
import type {
  CodeVersion,
  ConsumedInput,
  DataVersion,
  InputSignature,
} from "../../../runtime/definitions/version.ts";

export interface ContractOptions {
  /** Registers the cases as ignored, e.g. when the backend's service is not configured. */
  readonly ignore?: boolean;
}

const ORDERS = "bronze.orders" as AssetKey;
const ENRICHED = "silver.orders_enriched" as AssetKey;
const SOURCE = "source.orders" as AssetKey;
const DAY1 = "2026-11-01" as PartitionKey;
const DAY2 = "2026-11-02" as PartitionKey;
const NONE = "" as PartitionKey;
const T0 = new Date("2026-11-01T10:00:00.123Z");
const HOUR = 3_600_000;
const LONG_TTL = 60_000;

function at(offsetMs: number): Date {
  return new Date(T0.getTime() + offsetMs);
}

function newRun(id: string, startedAt = T0): NewRun {
  return {
    id: id as RunId,
    command: "materialize",
    selection: "+silver.orders_enriched",
    partitions: "2026-11-01",
    host: "worker-1",
    pid: 4242,
    startedAt,
  };
}

function input(key: string, partition: string, version: string): ConsumedInput {
  return { assetKey: key, partition, dataVersion: version as DataVersion };
}

function newMaterialization(
  id: string,
  runId: string,
  overrides: Partial<NewMaterialization> = {},
): NewMaterialization {
  return {
    id: id as MaterializationId,
    runId: runId as RunId,
    assetKey: ENRICHED,
    partition: DAY1,
    dataVersion: `data-${id}` as DataVersion,
    codeVersion: "code-1" as CodeVersion,
    inputSignature: "sig-1" as InputSignature,
    location: `lake/silver/orders_enriched/${id}`,
    rows: 1200,
    bytes: 5_000_000_000,
    metadata: { engine: "duckdb", columns: ["order_id", "amount"] },
    inputs: [
      input("bronze.orders", "2026-11-01", "v1"),
      input("bronze.payments", "2026-11-01", "v7"),
    ],
    startedAt: at(0),
    committedAt: at(1000),
    ...overrides,
  };
}

/** Starts the run, claims the partition for it and commits the materialization. */
async function materialize(store: MetadataStore, m: NewMaterialization): Promise<void> {
  const claim = await store.claim(m.assetKey, m.partition, m.runId, "worker-1", LONG_TTL);
  assert.deepEqual(claim, { claimed: true });
  await store.commitMaterialization(m);
}

/** The store, whose close() also runs `cleanup` (dropping a test database, a temp dir). */
export function closingAlso(store: MetadataStore, cleanup: () => Promise<void>): MetadataStore {
  const close = store.close.bind(store);
  return Object.assign(Object.create(store), {
    close: async () => {
      try {
        await close();
      } finally {
        await cleanup();
      }
    },
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function metadataStoreContract(
  name: string,
  openFresh: () => Promise<MetadataStore>,
  options: ContractOptions = {},
): void {
  const test = (title: string, fn: (store: MetadataStore) => Promise<void>) =>
    Deno.test({
      name: `${name}: ${title}`,
      ignore: options.ignore ?? false,
      // Drivers keep sockets and timers that outlive one test by design.
      sanitizeOps: false,
      sanitizeResources: false,
      async fn() {
        const store = await openFresh();
        try {
          await store.migrate();
          await fn(store);
        } finally {
          await store.close();
        }
      },
    });

  test("migrate() is idempotent and safe when several callers race", async (store) => {
    await Promise.all([store.migrate(), store.migrate(), store.migrate()]);
    await store.migrate();
    await store.startRun(newRun("run-1"));
    assert.equal((await store.getRun("run-1" as RunId))?.status, "running");
  });

  test("startRun(), finishRun() and getRun() round-trip a run", async (store) => {
    await store.startRun(newRun("run-1"));
    assert.deepEqual(await store.getRun("run-1" as RunId), {
      ...newRun("run-1"),
      status: "running",
      finishedAt: undefined,
      summary: {},
    });
    const summary = { succeeded: 3, failed: 1, skipped: ["gold.revenue_daily"] };
    await store.finishRun("run-1" as RunId, "failed", summary, at(5000));
    assert.deepEqual(await store.getRun("run-1" as RunId), {
      ...newRun("run-1"),
      status: "failed",
      finishedAt: at(5000),
      summary,
    });
    assert.equal(await store.getRun("run-unknown" as RunId), undefined);
  });

  test("finishRun() of a run never started throws", async (store) => {
    await assert.rejects(
      store.finishRun("run-x" as RunId, "succeeded", {}, T0),
      (error) => error instanceof RuntimeInvariantError && /run-x/.test(error.message),
    );
  });

  test("listRuns() lists the newest runs first, up to the limit", async (store) => {
    await store.startRun(newRun("run-a", at(0)));
    await store.startRun(newRun("run-c", at(2 * HOUR)));
    await store.startRun(newRun("run-b", at(HOUR)));
    const runs = await store.listRuns(2);
    assert.deepEqual(runs.map((run) => run.id), ["run-c", "run-b"]);
  });

  test("recordSteps() and listSteps() keep steps in order and replace a re-recorded one", async (store) => {
    await store.startRun(newRun("run-1"));
    const first: StepRecord = {
      assetKey: ORDERS,
      partition: DAY1,
      status: "failed",
      attempts: 3,
      rows: undefined,
      durationMs: 1500,
      reason: "Timed out",
      materializationId: undefined,
    };
    const second: StepRecord = {
      assetKey: ENRICHED,
      partition: NONE,
      status: "skipped",
      attempts: 0,
      rows: undefined,
      durationMs: 0,
      reason: "Upstream bronze.orders failed",
      materializationId: undefined,
    };
    await store.recordSteps("run-1" as RunId, [first, second]);
    const retried: StepRecord = {
      ...first,
      status: "succeeded",
      attempts: 4,
      rows: 3_000_000_000,
      reason: "",
      materializationId: "m-1" as MaterializationId,
    };
    await store.recordSteps("run-1" as RunId, [retried]);
    assert.deepEqual(await store.listSteps("run-1" as RunId), [retried, second]);
    assert.deepEqual(await store.listSteps("run-2" as RunId), []);
  });

  test("appendLogs() and listLogs() round-trip events in order", async (store) => {
    await store.startRun(newRun("run-1"));
    const events: LogEvent[] = [
      { at: at(1), level: "info", message: "Materializing", fields: { asset: "bronze.orders" } },
      { at: at(2), level: "error", message: "Failed", fields: { attempt: 2, nested: { a: [1] } } },
    ];
    await store.appendLogs("run-1" as RunId, events.slice(0, 1));
    await store.appendLogs("run-1" as RunId, events.slice(1));
    await store.appendLogs("run-1" as RunId, []);
    assert.deepEqual(await store.listLogs("run-1" as RunId), events);
  });

  test("commitMaterialization() moves the pointer, records lineage and releases the lease in one transaction", async (store) => {
    await store.startRun(newRun("run-1"));
    const m = newMaterialization("m-1", "run-1");
    await materialize(store, m);

    const state = (await store.loadStates()).get(ENRICHED)?.get(DAY1);
    assert.deepEqual(state, {
      current: {
        dataVersion: m.dataVersion,
        codeVersion: m.codeVersion,
        inputSignature: m.inputSignature,
        at: m.committedAt,
      },
      lastAttempt: { runId: "run-1", status: "succeeded", at: m.committedAt, error: undefined },
    });
    assert.deepEqual(await loadPointer(store, ENRICHED, DAY1), {
      ...state!.current!,
      materializationId: "m-1",
      location: m.location,
      rows: 1200,
    });
    assert.deepEqual(await store.getMaterialization(m.id), m);
    const inputs = await store.loadInputs([m.id, "m-unknown" as MaterializationId]);
    assert.deepEqual(inputs.get(m.id), m.inputs);
    assert.deepEqual(inputs.get("m-unknown" as MaterializationId), []);
    assert.deepEqual(await store.listLeases(), []);
  });

  test("commitMaterialization() with the lease held by another run throws, names the partition and keeps the old pointer", async (store) => {
    await store.startRun(newRun("run-1"));
    await store.startRun(newRun("run-2"));
    await materialize(store, newMaterialization("m-1", "run-1"));

    await store.claim(ENRICHED, DAY1, "run-1" as RunId, "worker-1", 1);
    await sleep(20); // the lease of run-1 must expire for run-2 to take it over
    assert.deepEqual(
      await store.claim(ENRICHED, DAY1, "run-2" as RunId, "worker-2", LONG_TTL),
      { claimed: true },
    );
    const late = newMaterialization("m-2", "run-1", { committedAt: at(9000) });
    await assert.rejects(
      store.commitMaterialization(late),
      (error) =>
        error instanceof RuntimeInvariantError &&
        error.message.includes("'silver.orders_enriched' partition 2026-11-01") &&
        error.message.includes("run-2"),
    );

    const pointer = await loadPointer(store, ENRICHED, DAY1);
    assert.equal(pointer?.materializationId, "m-1");
    assert.equal(await store.getMaterialization("m-2" as MaterializationId), undefined);
    assert.deepEqual(
      (await store.loadInputs(["m-2" as MaterializationId])).get(
        "m-2" as MaterializationId,
      ),
      [],
    );
    assert.deepEqual((await store.listLeases()).map((lease) => lease.runId), ["run-2"]);
  });

  test("commitMaterialization() without a claimed lease throws and commits nothing", async (store) => {
    await store.startRun(newRun("run-1"));
    await assert.rejects(
      store.commitMaterialization(newMaterialization("m-1", "run-1", { partition: NONE })),
      (error) =>
        error instanceof RuntimeInvariantError &&
        error.message.includes("'silver.orders_enriched' partition -"),
    );
    assert.equal((await store.loadStates()).size, 0);
  });

  test("commitMaterialization() succeeds on the run's own expired lease nobody took over", async (store) => {
    await store.startRun(newRun("run-1"));
    await store.claim(ENRICHED, DAY1, "run-1" as RunId, "worker-1", 1);
    await sleep(20);
    await store.commitMaterialization(newMaterialization("m-1", "run-1"));
    assert.equal((await loadPointer(store, ENRICHED, DAY1))?.materializationId, "m-1");
  });

  test("claim() refuses a live lease of another run and reports its holder", async (store) => {
    const first = await store.claim(ORDERS, DAY1, "run-1" as RunId, "host-a:1", LONG_TTL);
    assert.deepEqual(first, { claimed: true });
    const second = await store.claim(ORDERS, DAY1, "run-2" as RunId, "host-b:2", LONG_TTL);
    assert.equal(second.claimed, false);
    if (second.claimed) return;
    assert.equal(second.heldBy.runId, "run-1");
    assert.equal(second.heldBy.owner, "host-a:1");
    assert.equal(second.heldBy.assetKey, ORDERS);
    assert.equal(second.heldBy.partition, DAY1);
    assert.ok(second.heldBy.expiresAt.getTime() > Date.now() + LONG_TTL / 2);
    const other = await store.claim(ORDERS, DAY2, "run-2" as RunId, "host-b:2", LONG_TTL);
    assert.deepEqual(other, { claimed: true });
  });

  test("claim() takes over a lease once it has expired", async (store) => {
    await store.claim(ORDERS, DAY1, "run-1" as RunId, "host-a:1", 1);
    await sleep(20);
    const claim = await store.claim(ORDERS, DAY1, "run-2" as RunId, "host-b:2", LONG_TTL);
    assert.deepEqual(claim, { claimed: true });
    assert.deepEqual((await store.listLeases()).map((lease) => lease.runId), ["run-2"]);
  });

  test("claim() by the run that holds the lease extends it", async (store) => {
    await store.claim(ORDERS, NONE, "run-1" as RunId, "host-a:1", 1);
    const again = await store.claim(ORDERS, NONE, "run-1" as RunId, "host-a:1", LONG_TTL);
    assert.deepEqual(again, { claimed: true });
    await sleep(20);
    const [lease] = await store.listLeases();
    assert.equal(lease.partition, "");
    assert.ok(lease.expiresAt.getTime() > Date.now() + LONG_TTL / 2);
  });

  test("claim() lets exactly one of several racing runs win a partition", async (store) => {
    const runs = ["run-1", "run-2", "run-3", "run-4"];
    const results = await Promise.all(
      runs.map((run) => store.claim(ORDERS, DAY1, run as RunId, run, LONG_TTL)),
    );
    assert.equal(results.filter((result) => result.claimed).length, 1);
    const winner = runs[results.findIndex((result) => result.claimed)];
    for (const result of results) {
      if (!result.claimed) assert.equal(result.heldBy.runId, winner);
    }
  });

  test("renewLeases() extends every lease of a run and returns how many it holds", async (store) => {
    await store.claim(ORDERS, DAY1, "run-1" as RunId, "a", 1);
    await store.claim(ORDERS, DAY2, "run-1" as RunId, "a", 1);
    await store.claim(ENRICHED, DAY1, "run-2" as RunId, "b", 1);
    assert.equal(await store.renewLeases("run-1" as RunId, LONG_TTL), 2);
    assert.equal(await store.renewLeases("run-9" as RunId, LONG_TTL), 0);
    await sleep(20);
    const live = await store.listLeases();
    assert.deepEqual(live.map((lease) => [lease.assetKey, lease.partition]), [
      [ORDERS, DAY1],
      [ORDERS, DAY2],
    ]);
  });

  test("release() frees a partition only for the run that holds it", async (store) => {
    await store.claim(ORDERS, DAY1, "run-1" as RunId, "a", LONG_TTL);
    await store.release(ORDERS, DAY1, "run-2" as RunId);
    assert.equal((await store.listLeases()).length, 1);
    await store.release(ORDERS, DAY1, "run-1" as RunId);
    assert.deepEqual(await store.listLeases(), []);
    const claim = await store.claim(ORDERS, DAY1, "run-2" as RunId, "b", LONG_TTL);
    assert.deepEqual(claim, { claimed: true });
  });

  test("recordAttempt() marks the last attempt without moving the pointer", async (store) => {
    await store.startRun(newRun("run-1"));
    await store.recordAttempt(ORDERS, DAY2, {
      runId: "run-2" as RunId,
      status: "running",
      at: at(1),
      error: undefined,
    });
    assert.deepEqual((await store.loadStates()).get(ORDERS)?.get(DAY2), {
      current: undefined,
      lastAttempt: { runId: "run-2", status: "running", at: at(1), error: undefined },
    });

    const m = newMaterialization("m-1", "run-1", { assetKey: ORDERS });
    await materialize(store, m);
    const failed = {
      runId: "run-3" as RunId,
      status: "failed" as const,
      at: at(HOUR),
      error: "Timed out after 1000 ms",
    };
    await store.recordAttempt(ORDERS, DAY1, failed);
    const state = (await store.loadStates()).get(ORDERS)?.get(DAY1);
    assert.equal((await loadPointer(store, ORDERS, DAY1))?.materializationId, "m-1");
    assert.deepEqual(state?.lastAttempt, failed);
  });

  test("loadStates() indexes every touched partition by asset and partition key", async (store) => {
    assert.equal((await store.loadStates()).size, 0);
    await store.startRun(newRun("run-1"));
    await materialize(store, newMaterialization("m-1", "run-1", { assetKey: ORDERS }));
    await materialize(
      store,
      newMaterialization("m-2", "run-1", { assetKey: ORDERS, partition: DAY2, rows: undefined }),
    );
    await materialize(store, newMaterialization("m-3", "run-1", { partition: NONE, inputs: [] }));
    await store.recordObservation(SOURCE, new Map([[DAY1, "offset-10" as DataVersion]]), {}, T0);

    const states = await store.loadStates();
    assert.deepEqual([...states.keys()].sort(), [ORDERS, SOURCE, ENRICHED].sort());
    assert.deepEqual([...states.get(ORDERS)!.keys()].sort(), [DAY1, DAY2]);
    assert.deepEqual(states.get(SOURCE)?.get(DAY1), {
      current: {
        dataVersion: "offset-10",
        codeVersion: undefined,
        inputSignature: undefined,
        at: T0,
      },
      lastAttempt: undefined,
    });
    const current = states.get(ORDERS)?.get(DAY1)?.current;
    assert.ok(current?.at instanceof Date);
  });

  test("loadPointers() answers the current pointer of each ref that has one, with its files", async (store) => {
    assert.equal((await store.loadPointers([])).size, 0);
    await store.startRun(newRun("run-1"));
    await materialize(store, newMaterialization("m-1", "run-1", { assetKey: ORDERS }));
    await materialize(
      store,
      newMaterialization("m-2", "run-1", { assetKey: ORDERS, partition: DAY2, rows: undefined }),
    );
    await materialize(store, newMaterialization("m-3", "run-1", { partition: NONE, inputs: [] }));
    await store.recordObservation(SOURCE, new Map([[DAY1, "offset-10" as DataVersion]]), {}, T0);
    await store.recordAttempt(ENRICHED, DAY1, {
      runId: "run-1" as RunId,
      status: "failed",
      at: T0,
      error: "boom",
    });

    const pointers = await store.loadPointers([
      { assetKey: ORDERS, partition: DAY1 },
      { assetKey: ORDERS, partition: DAY2 },
      { assetKey: ENRICHED, partition: NONE },
      { assetKey: SOURCE, partition: DAY1 },
      { assetKey: ENRICHED, partition: DAY1 },
      { assetKey: "nowhere.asset" as AssetKey, partition: DAY1 },
    ]);
    assert.deepEqual(
      [...pointers.keys()].sort(),
      [
        pointerKey(ORDERS, DAY1),
        pointerKey(ORDERS, DAY2),
        pointerKey(ENRICHED, NONE),
        pointerKey(SOURCE, DAY1),
      ].sort(),
    );
    const first = pointers.get(pointerKey(ORDERS, DAY1))!;
    const committed = newMaterialization("m-1", "run-1", { assetKey: ORDERS });
    assert.equal(first.materializationId, "m-1");
    assert.equal(first.location, committed.location);
    assert.equal(first.rows, committed.rows);
    assert.equal(first.dataVersion, committed.dataVersion);
    assert.equal(first.at.getTime(), committed.committedAt.getTime());
    assert.equal(pointers.get(pointerKey(ORDERS, DAY2))?.rows, undefined);
    assert.equal(pointers.get(pointerKey(ENRICHED, NONE))?.materializationId, "m-3");
    assert.deepEqual(pointers.get(pointerKey(SOURCE, DAY1)), {
      materializationId: undefined,
      dataVersion: "offset-10",
      codeVersion: undefined,
      inputSignature: undefined,
      location: undefined,
      at: T0,
      rows: undefined,
    });
  });

  test("loadStates() returns free text holding its separator characters with them blanked", async (store) => {
    const error = "Line one\x1fcolumn\x1erow\x15null";
    await store.recordAttempt(ORDERS, DAY1, {
      runId: "run-1" as RunId,
      status: "failed",
      at: T0,
      error,
    });
    const state = (await store.loadStates()).get(ORDERS)?.get(DAY1);
    assert.equal(state?.lastAttempt?.error, "Line one column row null");
  });

  test("commitMaterialization() rejects a data version holding a reserved control character", async (store) => {
    await store.startRun(newRun("run-1"));
    await store.claim(ENRICHED, DAY1, "run-1" as RunId, "worker-1", LONG_TTL);
    const m = newMaterialization("m-1", "run-1", { dataVersion: "v\x1e1" as DataVersion });
    await assert.rejects(
      store.commitMaterialization(m),
      (e) => e instanceof RuntimeInvariantError && /data version "v\\u001e1"/.test(e.message),
    );
  });

  test("recordObservation() records only partitions whose version changed", async (store) => {
    const first = new Map([[DAY1, "v1"], [DAY2, "v1"]]) as Map<PartitionKey, DataVersion>;
    assert.equal(await store.recordObservation(SOURCE, first, { lag: 3 }, at(0)), 2);
    assert.equal(await store.recordObservation(SOURCE, first, { lag: 0 }, at(1000)), 0);
    const second = new Map([[DAY1, "v1"], [DAY2, "v2"], [NONE, "v1"]]) as Map<
      PartitionKey,
      DataVersion
    >;
    assert.equal(await store.recordObservation(SOURCE, second, {}, at(2000)), 2);
    assert.equal(await store.recordObservation(SOURCE, new Map(), {}, at(3000)), 0);

    const states = (await store.loadStates()).get(SOURCE)!;
    assert.equal(states.get(DAY1)?.current?.dataVersion, "v1");
    assert.deepEqual(states.get(DAY1)?.current?.at, at(0));
    assert.equal(states.get(DAY2)?.current?.dataVersion, "v2");
    assert.deepEqual(states.get(DAY2)?.current?.at, at(2000));
    assert.equal(states.get(NONE)?.current?.dataVersion, "v1");
  });

  test("latestCheckResults() returns the latest result of each check per partition", async (store) => {
    await store.startRun(newRun("run-1"));
    const notNull: CheckResult = {
      name: "order_id_not_null",
      severity: "error",
      passed: false,
      message: "3 rows have a null order_id",
      failingRows: [{ order_id: null, amount: 12.5 }],
      failingCount: 3,
    };
    const unique: CheckResult = {
      name: "order_id_unique",
      severity: "warn",
      passed: true,
      message: "ok",
    };
    const run = "run-1" as RunId;
    const m1 = "m-1" as MaterializationId;
    await store.recordCheckResults(run, ORDERS, DAY1, m1, [notNull, unique], at(0));
    const fixed = { ...notNull, passed: true, message: "ok" };
    delete (fixed as { failingRows?: unknown }).failingRows;
    delete (fixed as { failingCount?: unknown }).failingCount;
    await store.recordCheckResults(run, ORDERS, DAY1, "m-2" as MaterializationId, [fixed], at(10));
    await store.recordCheckResults(run, ORDERS, DAY2, m1, [notNull], at(5));
    await store.recordCheckResults(run, ENRICHED, DAY1, m1, [unique], at(5));

    const latest = await store.latestCheckResults(ORDERS);
    assert.deepEqual([...latest.keys()].sort(), [DAY1, DAY2]);
    const byName = (list: readonly CheckResult[] | undefined) =>
      [...(list ?? [])].sort((a, b) => a.name.localeCompare(b.name));
    assert.deepEqual(byName(latest.get(DAY1)), [
      { ...fixed, at: at(10) },
      { ...unique, at: at(0) },
    ]);
    assert.deepEqual(latest.get(DAY2), [{ ...notNull, at: at(5) }]);
    assert.equal((await store.latestCheckResults(SOURCE)).size, 0);
  });

  test("listMaterializations() lists a partition's history newest first, with its inputs", async (store) => {
    await store.startRun(newRun("run-1"));
    const ms = [
      newMaterialization("m-1", "run-1", { committedAt: at(1000) }),
      newMaterialization("m-2", "run-1", { committedAt: at(3000), inputs: [] }),
      newMaterialization("m-3", "run-1", { committedAt: at(2000) }),
      newMaterialization("m-4", "run-1", { partition: DAY2, committedAt: at(4000) }),
    ];
    for (const m of ms) await materialize(store, m);
    const history = await store.listMaterializations(ENRICHED, DAY1, 10);
    assert.deepEqual(history.map((m) => m.id), ["m-2", "m-3", "m-1"]);
    assert.deepEqual(history[1], ms[2]);
    assert.deepEqual(history[0].inputs, []);
    assert.deepEqual(
      (await store.listMaterializations(ENRICHED, DAY1, 1)).map((m) => m.id),
      ["m-2"],
    );
    assert.deepEqual(await store.listMaterializations(ORDERS, DAY1, 10), []);
  });
}
