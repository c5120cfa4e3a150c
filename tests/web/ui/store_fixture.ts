// A small real platform for the UI's store tests: a daily source whose days a test lands, two
// daily assets below it (one with a warn check that reports failing rows), an unpartitioned
// report over every day, materialized by the runtime into an in-memory PGlite store, and the
// UI's StoreUiData and StoreUiActions over it.
import { defineAsset, defineSource, dep } from "../../../runtime/definitions/asset.ts";
import { type DataVersion, dataVersion } from "../../../runtime/definitions/version.ts";
import { observeSources } from "../../../runtime/execution/observe.ts";
import { NO_RESOURCES } from "../../../runtime/definitions/resources.ts";
import { createLogger } from "../../../runtime/logger.ts";
import { daily } from "../../../runtime/partitions/daily_partitions.ts";
import { allPartitions } from "../../../runtime/partitions/mapping.ts";
import type { PartitionKey } from "../../../runtime/partitions/partition_key.ts";
import { executeRunRequest } from "../../../runtime/automation/execute_run_request.ts";
import { InPlaceClaimer } from "../../../runtime/automation/in_place_claimer.ts";
import { LocalRuns } from "../../../web/ui/local_runs.ts";
import { SourceWatch } from "../../../web/ui/source_watch.ts";
import { StoreUiActions } from "../../../web/ui/store_ui_actions.ts";
import { StoreUiData } from "../../../web/ui/store_ui_data.ts";
import { FakeClock } from "../../support/fake_clock.ts";
import { type Harness, openHarness } from "../../support/runtime_harness.ts";

export const DAYS = ["2026-03-01", "2026-03-02", "2026-03-03"] as const;
/** Who the fixture's UI is when it moves an alias. */
export const CLAIMANT = "ui@test:1";
/** The fixture's now: the day after its last partition. */
export const NOW = new Date("2026-03-04T12:00:00Z");

export interface UiFixture {
  readonly h: Harness;
  readonly data: StoreUiData;
  readonly actions: StoreUiActions;
  readonly localRuns: LocalRuns;
  readonly sources: SourceWatch;
  /** Who the fixture's UI is when it runs a request itself (heartbeats only when told). */
  readonly claimer: InPlaceClaimer;
  /** Lands a batch on `day`: the source reports a new version for it. */
  land(day: string, batch: string): void;
  close(): Promise<void>;
}

export interface UiFixtureOptions {
  /** Each orders partition waits for it before it writes (a run the test can catch running). */
  readonly gate?: Promise<void>;
}

export async function openUiFixture(options: UiFixtureOptions = {}): Promise<UiFixture> {
  const landed = new Map<PartitionKey, DataVersion>();
  const partitions = daily({ start: DAYS[0], end: DAYS[2] });
  const source = defineSource({
    key: "demo.landing",
    group: "landing",
    description: "Files landed per day.",
    partitions,
    observe: () =>
      Promise.resolve({ partitions: new Map(landed), metadata: { days: landed.size } }),
  });
  const orders = defineAsset({
    key: "demo.orders",
    group: "bronze",
    tags: ["pii"],
    description: "Orders of the day.",
    partitions,
    deps: [source],
    materialize: async (ctx) => {
      const [day] = ctx.input(source);
      await options.gate;
      return { data: `orders from ${day.dataVersion}`, rows: 3 };
    },
  });
  const summary = defineAsset({
    key: "demo.summary",
    group: "gold",
    description: "A summary of the day's orders.",
    partitions,
    deps: [orders],
    checks: [{
      name: "no_refunds",
      severity: "warn",
      run: () =>
        Promise.resolve({
          passed: false,
          message: "1 order refunded",
          failingRows: [{ order_id: "o-7", amount: 12.5 }],
          failingCount: 1,
        }),
    }],
    materialize: (ctx) => {
      const [day] = ctx.input(orders);
      return Promise.resolve({ data: `summary of ${day.dataVersion}`, rows: 1 });
    },
  });
  const report = defineAsset({
    key: "demo.report",
    group: "gold",
    description: "Every day's summary.",
    deps: [dep(summary, allPartitions())],
    materialize: (ctx) =>
      Promise.resolve({
        data: ctx.input(summary).map((p) => p.dataVersion).join(","),
        rows: ctx.input(summary).length,
      }),
  });
  const h = await openHarness([source, orders, summary, report], {
    clock: new FakeClock(NOW),
  });
  const log = createLogger([], "info");
  const localRuns = new LocalRuns(h.clock);
  const sources = new SourceWatch({
    clock: h.clock,
    observe: () =>
      observeSources(h.graph, h.graph.order, h.store, NO_RESOURCES, log, h.clock.now()),
  });
  const data = new StoreUiData({
    graph: h.graph,
    store: h.store,
    clock: h.clock,
    localRuns,
    sources,
    // Time stands still in these tests: statuses are read again only when dropped.
    statusMaxAgeMs: 60_000,
    runPollMs: 10,
  });
  const claimer = new InPlaceClaimer({
    store: h.store,
    log,
    clock: h.clock,
    name: "ui",
    ttlMs: 30_000,
    requeueLimit: 1,
    beatInBackground: false,
  });
  const actions = new StoreUiActions({
    graph: h.graph,
    store: h.store,
    clock: h.clock,
    localRuns,
    claimant: CLAIMANT,
    claimer,
    execute: (request, run) =>
      executeRunRequest(request, {
        graph: h.graph,
        store: h.store,
        lake: h.lake,
        log: createLogger([run.sink], "info"),
        logSinks: [run.sink],
        clock: h.clock,
        concurrency: 2,
      }, { claimedBy: request.claimedBy, signal: run.signal, cancelPollMs: 20 }),
  });
  return {
    h,
    data,
    actions,
    localRuns,
    sources,
    claimer,
    land: (day, batch) => landed.set(day as PartitionKey, dataVersion(`${day}:${batch}`)),
    close: async () => {
      const turns = actions.close();
      await localRuns.cancelAll();
      await turns;
      await claimer.stop();
      await h.close();
    },
  };
}
