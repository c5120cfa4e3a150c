// UiData over the real platform: the asset graph, statuses from a cached StatusResolver snapshot
// (status_cache.ts), partitions, partition-level lineage both ways, history, checks and SQL from
// the metadata store, the sources' latest observations (source_watch.ts); runs
// (store_runs.ts), schedules and sensors (store_automation.ts) and models (store_models.ts) each
// in their own module.
import type { RunDocument, RunsDocument } from "../../runtime/automation/run_documents.ts";
import type { AnyAsset } from "../../runtime/definitions/asset.ts";
import type { AssetKey } from "../../runtime/definitions/asset_key.ts";
import type { JsonValue } from "../../runtime/definitions/context.ts";
import type { AssetGraph } from "../../runtime/graph/asset_graph.ts";
import type { PartitionKey } from "../../runtime/partitions/partition_key.ts";
import { describeCauseAt } from "../../runtime/staleness/status.ts";
import { statusRuns } from "../../runtime/staleness/status_runs.ts";
import { loadStatusResolver } from "../../runtime/staleness/status_loading.ts";
import {
  type AssetDocument,
  assetDocument,
  assetKindLabel,
  checkLines,
  rankedReasons,
} from "../../runtime/staleness/status_views.ts";
import type {
  MaterializationRecord,
  MetadataStore,
  RecordedCheck,
} from "../../runtime/store/metadata_store.ts";
import { loadPointer } from "../../runtime/store/partition_store.ts";
import type { LocalRuns } from "./local_runs.ts";
import type { ColumnReader } from "./parquet_columns.ts";
import type { ObservedSourceView, SourceWatch } from "./source_watch.ts";
import { splitSqlRefs } from "./sql_refs.ts";
import { scheduleViews, sensorViews, type UiAutomation } from "./store_automation.ts";
import { StoreRuns } from "./store_runs.ts";
import { modelView } from "./store_models.ts";
import { StatusCache, type StatusSnapshot } from "./status_cache.ts";
import {
  checkView,
  healthRuns,
  materializationView,
  partitionRow,
  rangeRow,
  uiCounts,
  uiStatus,
} from "./store_views.ts";
import type {
  AssetDetail,
  AssetNode,
  CheckResultView,
  ColumnView,
  LogLine,
  ModelView,
  PartitionDetail,
  PartitionHealth,
  PartitionPage,
  PartitionQuery,
  PartitionRef,
  RunDetail,
  RunFilter,
  RunSummary,
  ScheduleView,
  SensorView,
  SourceObservation,
  UiClock,
  UiData,
  UiGraph,
} from "./ui_data.ts";

export interface StoreUiDataOptions {
  readonly graph: AssetGraph;
  readonly store: MetadataStore;
  readonly clock: UiClock;
  /** Runs this process works itself; their logs are live before the store has them. */
  readonly localRuns: LocalRuns;
  /** The sources' latest observations; without it, sources show what the store recorded. */
  readonly sources?: SourceWatch;
  /** How old cached statuses may get, in ms (default 1,000). */
  readonly statusMaxAgeMs?: number;
  /** How often a run another process works is re-read while its page tails it, in ms. */
  readonly runPollMs?: number;
  /** The daemon's schedules and sensors (schedules/), for their pages. */
  readonly automation?: UiAutomation;
  /** Reads the columns of an asset's newest data; without it, asset pages list none. */
  readonly columns?: ColumnReader;
}

/** Materializations shown on a partition page. */
const HISTORY = 20;
/** Downstream partitions read for a partition page (the page shows 200 and counts the rest). */
const CONSUMERS = 1000;
/** Observed partitions listed on a source's page. */
const OBSERVED_ROWS = 30;
/** The group whose assets are models, listed on the models page. */
const MODELS_GROUP = "models";

export class StoreUiData implements UiData {
  readonly statuses: StatusCache;
  readonly #graph: AssetGraph;
  readonly #store: MetadataStore;
  readonly #clock: UiClock;
  readonly #runs: StoreRuns;
  readonly #sources: SourceWatch | undefined;
  readonly #automation: UiAutomation | undefined;
  readonly #columns: ColumnReader | undefined;
  readonly #graphs = new WeakMap<StatusSnapshot, UiGraph>();

  constructor(options: StoreUiDataOptions) {
    this.#graph = options.graph;
    this.#store = options.store;
    this.#clock = options.clock;
    this.#sources = options.sources;
    this.#automation = options.automation;
    this.#columns = options.columns;
    this.statuses = new StatusCache({
      graph: options.graph,
      load: (now) => loadStatusResolver(options.graph, options.store, now),
      clock: options.clock,
      maxAgeMs: options.statusMaxAgeMs ?? 1000,
    });
    this.#runs = new StoreRuns({
      graph: options.graph,
      store: options.store,
      localRuns: options.localRuns,
      statuses: this.statuses,
      runPollMs: options.runPollMs ?? 1000,
    });
    // A run of ours that changes state changes statuses: read them again on the next request.
    options.localRuns.onStatus(() => this.statuses.invalidate());
    this.#sources?.onChange(() => this.statuses.invalidate());
  }

  // ---- the graph and assets ----

  async graph(): Promise<UiGraph> {
    const snapshot = await this.statuses.get();
    let graph = this.#graphs.get(snapshot);
    if (!graph) {
      graph = {
        assets: this.#graph.order.map((key) => this.#node(snapshot, this.#graph.get(key))),
      };
      this.#graphs.set(snapshot, graph);
    }
    return graph;
  }

  async asset(key: string): Promise<AssetDetail | undefined> {
    const snapshot = await this.statuses.get();
    const asset = snapshot.find(key);
    if (!asset) return undefined;
    const summary = snapshot.summary(asset.key);
    const checks = asset.kind === "asset" && asset.checks.length > 0
      ? latestPartitionChecks(
        await this.#store.checks.latestCheckResults(asset.key),
        [...summary.partitions.keys()],
      )
      : [];
    return {
      ...this.#node(snapshot, asset),
      description: asset.description,
      columns: await this.#newestColumns(asset.key, summary.partitions.keys()),
      codeVersion: asset.kind === "asset" ? asset.codeVersion : "-",
      partitioning: asset.partitions.describe(),
      partitionCount: summary.partitions.size,
      counts: uiCounts(summary.counts),
      downstreams: this.#graph.downstreamEdges(asset.key).map((edge) => edge.downstream),
      sql: asset.kind === "asset" ? asset.sql : undefined,
      sqlRefs: this.#sqlRefs(asset),
      checks,
      observation: asset.kind === "source" ? this.#observation(snapshot, asset) : undefined,
    };
  }

  /** The columns of the newest partition with data: what the asset holds now. */
  async #newestColumns(
    key: AssetKey,
    partitions: Iterable<PartitionKey>,
  ): Promise<readonly ColumnView[]> {
    if (!this.#columns) return [];
    const snapshot = await this.statuses.get();
    const newest = [...partitions].reverse().find((partition) =>
      snapshot.resolver.state(key, partition)?.current !== undefined
    );
    if (newest === undefined) return [];
    const location = (await loadPointer(this.#store.partitions, key, newest))?.location;
    // Rows published to the warehouse have no lake location: their columns are the upstream's.
    if (location === undefined) return [];
    // A location vacuumed since the status read has no columns to show; the page still works.
    return await this.#columns.columnsAt(location).catch(() => []);
  }

  async partitionHealth(key: string): Promise<PartitionHealth | undefined> {
    const snapshot = await this.statuses.get();
    const asset = snapshot.find(key);
    if (!asset) return undefined;
    const summary = snapshot.summary(asset.key);
    return { total: summary.partitions.size, runs: healthRuns(summary) };
  }

  async partitions(key: string, query: PartitionQuery): Promise<PartitionPage | undefined> {
    const snapshot = await this.statuses.get();
    const asset = snapshot.find(key);
    if (!asset) return undefined;
    const summary = snapshot.summary(asset.key);
    // Filtered by status, neighbours in the list need not be neighbours in time: no ranges.
    if (query.expand || query.status !== undefined) {
      const newestFirst = [...summary.partitions.keys()].reverse().filter((partition) =>
        query.status === undefined ||
        uiStatus(summary.partitions.get(partition)!.status) === query.status
      );
      const rows = newestFirst.slice(query.offset, query.offset + query.limit).map((partition) =>
        partitionRow(partition, summary, snapshot.resolver.state(asset.key, partition)?.current)
      );
      return { total: newestFirst.length, offset: query.offset, rows };
    }
    const runs = statusRuns(summary.partitions);
    const rows = runs.slice(query.offset, query.offset + query.limit).map((run) =>
      run.count === 1
        ? partitionRow(run.newest, summary, snapshot.resolver.state(asset.key, run.newest)?.current)
        : rangeRow(run, asset.partitions)
    );
    return { total: runs.length, offset: query.offset, rows };
  }

  async partitionAt(key: string, index: number): Promise<string | undefined> {
    const snapshot = await this.statuses.get();
    const asset = snapshot.find(key);
    if (!asset) return undefined;
    return [...snapshot.summary(asset.key).partitions.keys()][index];
  }

  async partition(key: string, partition: string): Promise<PartitionDetail | undefined> {
    const snapshot = await this.statuses.get();
    const asset = snapshot.find(key);
    if (!asset) return undefined;
    const partitionKey = partition as PartitionKey;
    const status = snapshot.summary(asset.key).partitions.get(partitionKey);
    if (!status) return undefined;
    const state = snapshot.resolver.state(asset.key, partitionKey);
    const partitions = this.#store.partitions;
    const [pointer, history, consumers, checks] = await Promise.all([
      loadPointer(partitions, asset.key, partitionKey),
      partitions.listMaterializations(asset.key, partitionKey, HISTORY),
      partitions.listConsumers(asset.key, partitionKey, CONSUMERS),
      asset.kind === "asset" && asset.checks.length > 0
        ? this.#store.checks.latestCheckResults(asset.key)
        : undefined,
    ]);
    const currentId = pointer?.materializationId;
    const current = currentId === undefined ? undefined : history.find((m) => m.id === currentId) ??
      await partitions.getMaterialization(currentId);
    const ownVersion = state?.current?.dataVersion;
    const downstreams: PartitionRef[] = consumers.map((consumer) => ({
      asset: consumer.assetKey,
      partition: consumer.partition,
      dataVersion: consumer.dataVersion,
      ...(consumer.readDataVersion !== ownVersion &&
        { readOlderVersion: consumer.readDataVersion }),
    }));
    return {
      asset: asset.key,
      partition,
      status: uiStatus(status.status),
      reasons: status.causes.map((cause) => describeCauseAt(cause, partitionKey)),
      dataVersion: ownVersion,
      codeVersion: current?.codeVersion ?? state?.current?.codeVersion,
      upstreams: this.#upstreams(snapshot, asset, partitionKey, current),
      downstreams,
      history: history.map(materializationView),
      checks: (checks?.get(partitionKey) ?? []).map((check) => checkView(partition, check)),
      sql: asset.kind === "asset" ? asset.sql : undefined,
      sqlRefs: this.#sqlRefs(asset),
      lastRun: state?.lastAttempt &&
        await this.#runs.lastRun(state.lastAttempt.runId, asset.key, partition),
    };
  }

  /**
   * The partitions the current materialization read, with the versions it read; never
   * materialized, the partitions it would read, with their versions now.
   */
  #upstreams(
    snapshot: StatusSnapshot,
    asset: AnyAsset,
    partition: PartitionKey,
    current: MaterializationRecord | undefined,
  ): PartitionRef[] {
    const now = (key: string, p: string) => {
      const version = snapshot.resolver.state(key as AssetKey, p as PartitionKey)?.current
        ?.dataVersion;
      return version === undefined ? {} : { currentDataVersion: version };
    };
    if (current) {
      return current.inputs.map((input) => ({
        asset: input.assetKey,
        partition: input.partition,
        dataVersion: input.dataVersion,
        ...now(input.assetKey, input.partition),
      }));
    }
    if (asset.kind !== "asset") return [];
    return this.#graph.upstreamPartitions(asset.key, partition, snapshot.at).flatMap((
      { edge, partitions },
    ) => partitions.map((p) => ({ asset: edge.upstream, partition: p, ...now(edge.upstream, p) })));
  }

  /**
   * Each ref of the asset's SQL whose key is not one of its upstreams, mapped to the upstream
   * that reads that key (the published copy a mart's `ref('gold.x')` resolves to).
   */
  #sqlRefs(asset: AnyAsset): Record<string, string> | undefined {
    if (asset.kind !== "asset" || asset.sql === undefined) return undefined;
    const upstreams = this.#graph.upstreamEdges(asset.key).map((edge) => edge.upstream);
    const refs: Record<string, string> = {};
    for (const piece of splitSqlRefs(asset.sql)) {
      if (piece.kind !== "ref" || upstreams.includes(piece.key as AssetKey)) continue;
      const copy = upstreams.find((upstream) =>
        this.#graph.upstreamEdges(upstream).some((edge) => edge.upstream === piece.key)
      );
      if (copy !== undefined) refs[piece.key] = copy;
    }
    return Object.keys(refs).length === 0 ? undefined : refs;
  }

  #node(snapshot: StatusSnapshot, asset: AnyAsset): AssetNode {
    const summary = snapshot.summary(asset.key);
    return {
      key: asset.key,
      group: asset.group,
      kind: assetKindLabel(asset),
      tags: asset.tags,
      upstreams: this.#graph.upstreamEdges(asset.key).map((edge) => edge.upstream),
      status: uiStatus(summary.status),
      reasons: rankedReasons(summary),
    };
  }

  #observation(snapshot: StatusSnapshot, asset: AnyAsset): SourceObservation {
    const observed = this.#sources?.latest(asset.key);
    const partitions = [...snapshot.summary(asset.key).partitions.keys()].reverse()
      .flatMap((partition) => {
        const current = snapshot.resolver.state(asset.key, partition)?.current;
        return current ? [{ partition, current }] : [];
      });
    const lastRecorded = partitions.reduce<Date | undefined>(
      (latest, { current }) => latest && latest > current.at ? latest : current.at,
      undefined,
    );
    return {
      observedAt: (observed?.at ?? lastRecorded)?.toISOString() ?? "",
      summary: {
        "observed partitions": partitions.length,
        ...flatSummary(observed?.metadata ?? {}),
      },
      table: {
        title: `Observed partitions (newest ${Math.min(OBSERVED_ROWS, partitions.length)} of ${
          partitions.length.toLocaleString("en-US")
        })`,
        columns: ["Partition", "Data version", "Changed at"],
        rows: partitions.slice(0, OBSERVED_ROWS).map(({ partition, current }) => [
          partition,
          current.dataVersion,
          current.at.toISOString().replace("T", " ").slice(0, 19),
        ]),
      },
    };
  }

  /** The CLI's `assets --json` document of every asset (`/api/assets`). */
  async assetDocuments(): Promise<readonly AssetDocument[]> {
    const snapshot = await this.statuses.get();
    return await Promise.all(
      this.#graph.order.map((key) => this.#document(snapshot, this.#graph.get(key), false)),
    );
  }

  /** The CLI's `assets KEY --json` document of one asset (`/api/assets/:key`). */
  async assetDocument(key: string): Promise<AssetDocument | undefined> {
    const snapshot = await this.statuses.get();
    const asset = snapshot.find(key);
    return asset && await this.#document(snapshot, asset, true);
  }

  async #document(
    snapshot: StatusSnapshot,
    asset: AnyAsset,
    detailed: boolean,
  ): Promise<AssetDocument> {
    const checks = asset.kind === "asset" && asset.checks.length > 0
      ? checkLines(await this.#store.checks.latestCheckResults(asset.key))
      : [];
    return assetDocument(
      asset,
      snapshot.summary(asset.key),
      detailed,
      checks,
      this.#sources?.latest(asset.key)?.metadata,
    );
  }

  // ---- runs (store_runs.ts) ----

  runs(filter: RunFilter): Promise<readonly RunSummary[]> {
    return this.#runs.runs(filter);
  }

  run(id: string): Promise<RunDetail | undefined> {
    return this.#runs.run(id);
  }

  runLogs(id: string, afterSeq: number, limit: number): Promise<readonly LogLine[]> {
    return this.#runs.runLogs(id, afterSeq, limit);
  }

  waitForRunChange(id: string, afterSeq: number, signal: AbortSignal): Promise<void> {
    return this.#runs.waitForRunChange(id, afterSeq, signal);
  }

  runsDocument(filter: RunFilter): Promise<RunsDocument> {
    return this.#runs.runsDocument(filter);
  }

  runDocument(id: string): Promise<RunDocument | undefined> {
    return this.#runs.runDocument(id);
  }

  /** One small read of the store: it answers. */
  async health(): Promise<void> {
    await this.#store.runs.listRuns(1);
  }

  // ---- automation (the daemon's, store_automation.ts) and models (store_models.ts) ----

  schedules(): Promise<readonly ScheduleView[]> {
    return scheduleViews(
      this.#store.automation,
      this.#automation?.schedules ?? [],
      this.#clock.now(),
    );
  }

  sensors(): Promise<readonly SensorView[]> {
    return sensorViews(this.#store.automation, this.#automation?.sensors ?? []);
  }

  /** Every asset of group `models`, its versions with their reports and the champion. */
  async models(): Promise<readonly ModelView[]> {
    const keys = this.#graph.order.filter((key) => this.#graph.get(key).group === MODELS_GROUP);
    return await Promise.all(keys.map((key) => modelView(this.#store, key)));
  }
}

/** The checks of the newest partition that has results (the asset page shows those). */
function latestPartitionChecks(
  latest: ReadonlyMap<PartitionKey, readonly RecordedCheck[]>,
  oldestFirst: readonly PartitionKey[],
): CheckResultView[] {
  for (let i = oldestFirst.length - 1; i >= 0; i--) {
    const checks = latest.get(oldestFirst[i]);
    if (checks) return checks.map((check) => checkView(oldestFirst[i], check));
  }
  return [];
}

/** A source's metadata as one-line facts: nested values as JSON. */
function flatSummary(
  metadata: Readonly<Record<string, JsonValue>>,
): Record<string, string | number | boolean> {
  return Object.fromEntries(
    Object.entries(metadata).map(([name, value]) => [
      name,
      typeof value === "string" || typeof value === "number" || typeof value === "boolean"
        ? value
        : JSON.stringify(value),
    ]),
  );
}

export type { ObservedSourceView };
