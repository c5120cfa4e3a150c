// Daemons wired for tests: each over its own store connection to one database (as separate
// processes would be), a shared filesystem lake and a shared fake clock, with settings that
// keep tests fast. Time moves only when the test says so.
import type { AnyAsset } from "../../runtime/definitions/asset.ts";
import { AssetGraph } from "../../runtime/graph/asset_graph.ts";
import { createLogger, type LogEvent } from "../../runtime/logger.ts";
import {
  type AutomationDefinitions,
  resolveAutomation,
} from "../../runtime/automation/automation_set.ts";
import {
  Daemon,
  type DaemonEnvironment,
  type DaemonSettings,
  DEFAULT_DAEMON_SETTINGS,
} from "../../runtime/automation/daemon.ts";
import type { AlertSink } from "../../runtime/automation/alert_delivery.ts";
import type { SqlMetadataStore } from "../../runtime/store/sql/sql_metadata_store.ts";
import { FsLake } from "../../resources/lake/fs_lake.ts";
import { FakeClock } from "./fake_clock.ts";
import { removeTempTree } from "./temp_tree.ts";

export interface DaemonHarness {
  readonly graph: AssetGraph;
  readonly clock: FakeClock;
  readonly lake: FsLake;
  readonly logs: LogEvent[];
  /** Starts a daemon over a store of its own (closed by close()). */
  daemon(options?: {
    readonly settings?: Partial<DaemonSettings>;
    readonly alertSinks?: readonly AlertSink[];
  }): Promise<{ readonly daemon: Daemon; readonly store: SqlMetadataStore }>;
  close(): Promise<void>;
}

export async function openDaemonHarness(
  assets: readonly AnyAsset[],
  automation: AutomationDefinitions,
  openStore: () => Promise<SqlMetadataStore>,
  clock = new FakeClock(new Date("2026-11-02T00:00:00Z")),
): Promise<DaemonHarness> {
  const graph = AssetGraph.build(assets);
  const lakeRoot = await Deno.makeTempDir({ prefix: "sluice-daemon-lake-" });
  const lake = new FsLake({ root: lakeRoot });
  const logs: LogEvent[] = [];
  const log = createLogger([(event) => logs.push(event)], "debug");
  const set = resolveAutomation(graph, automation);
  const stores: SqlMetadataStore[] = [];
  return {
    graph,
    clock,
    lake,
    logs,
    async daemon(options = {}) {
      const store = await openStore();
      stores.push(store);
      const env: DaemonEnvironment = {
        graph,
        store,
        lake,
        log,
        clock,
        concurrency: 2,
        leaseTtlMs: 5_000,
        lockWaitMs: 30_000,
        automation: set,
        settings: { ...DEFAULT_DAEMON_SETTINGS, ...options.settings },
        alertSinks: options.alertSinks,
      };
      return { daemon: await Daemon.start(env), store };
    },
    async close() {
      for (const store of stores) await store.close();
      await removeTempTree(lakeRoot);
    },
  };
}
