// A runtime wired for tests: a fresh metadata store (in-memory PGlite unless given), a
// filesystem lake in a temp dir and a fake clock, with `materialize()` preset to use them.
import type { AnyAsset } from "../../runtime/definitions/asset.ts";
import { AssetGraph } from "../../runtime/graph/asset_graph.ts";
import { createLogger, type LogEvent } from "../../runtime/logger.ts";
import {
  materialize,
  type MaterializeOutcome,
  type MaterializeRequest,
} from "../../runtime/execution/materialize.ts";
import { loadStatusResolver } from "../../runtime/staleness/status_loading.ts";
import type { NewRun, RunId } from "../../runtime/store/metadata_store.ts";
import type { SqlMetadataStore } from "../../runtime/store/sql/sql_metadata_store.ts";
import type { PartitionKey } from "../../runtime/partitions/partition_key.ts";
import type { AssetKey } from "../../runtime/definitions/asset_key.ts";
import type { PartitionStatus } from "../../runtime/staleness/status.ts";
import { FsLake } from "../../resources/lake/fs_lake.ts";
import { openMetadataStore } from "../../resources/postgres/open_metadata_store.ts";
import { FakeClock } from "./fake_clock.ts";
import { removeTempTree } from "./temp_tree.ts";

export interface Harness {
  readonly graph: AssetGraph;
  readonly store: SqlMetadataStore;
  readonly lake: FsLake;
  readonly lakeRoot: string;
  readonly clock: FakeClock;
  readonly logs: LogEvent[];
  run(request?: Partial<MaterializeRequest>): Promise<MaterializeOutcome>;
  status(key: string, partition?: string): Promise<PartitionStatus>;
  close(): Promise<void>;
}

export async function openHarness(
  assets: readonly AnyAsset[],
  options: { store?: SqlMetadataStore; clock?: FakeClock } = {},
): Promise<Harness> {
  const graph = AssetGraph.build(assets);
  const store = options.store ?? await openMetadataStore({ embeddedDir: ":memory:" });
  const lakeRoot = await Deno.makeTempDir({ prefix: "sluice-lake-" });
  const lake = new FsLake({ root: lakeRoot });
  const clock = options.clock ?? new FakeClock();
  const logs: LogEvent[] = [];
  const log = createLogger([(event) => logs.push(event)], "debug");
  return {
    graph,
    store,
    lake,
    lakeRoot,
    clock,
    logs,
    run: (request = {}) =>
      materialize({
        graph,
        store,
        lake,
        log,
        clock,
        random: () => 0.5,
        concurrency: 2,
        ...request,
      }),
    async status(key, partition = "") {
      const resolver = await loadStatusResolver(graph, store, clock.now());
      return resolver.partition(key as AssetKey, partition as PartitionKey);
    },
    async close() {
      await store.close();
      await removeTempTree(lakeRoot);
    },
  };
}

/** The run an ingester registers, for tests that commit part sets outside `materialize`. */
export function ingestRun(id: string, startedAt = new Date()): NewRun {
  return {
    id: id as RunId,
    command: "ingest",
    selection: "group:bronze",
    partitions: "kafka",
    host: "test",
    pid: 1,
    startedAt,
  };
}
