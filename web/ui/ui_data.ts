// The web UI's view of the platform: plain view types, and the two small interfaces the UI reads
// through (UiData) and acts through (UiActions): store_ui_data.ts and store_ui_actions.ts over
// the real platform, generated_ui_data.ts in memory for tests and the bench.
import type { RunDocument, RunsDocument } from "../../runtime/automation/run_documents.ts";
import type { AssetDocument } from "../../runtime/staleness/status_views.ts";

export type { AssetDocument, RunDocument, RunsDocument };

/** Every status a partition or asset can show, most urgent first (an asset shows its worst). */
export const ASSET_STATUSES = [
  "running",
  "failed",
  "never",
  "stale",
  "overdue",
  "waiting",
  "fresh",
] as const;

export type AssetStatus = typeof ASSET_STATUSES[number];

export type AssetKind = "source" | "ts" | "sql";

/** One asset of the graph, as the graph view draws it. */
export interface AssetNode {
  readonly key: string;
  readonly group: string;
  readonly kind: AssetKind;
  readonly tags: readonly string[];
  readonly upstreams: readonly string[];
  readonly status: AssetStatus;
  /** One line each, most telling first: "upstream bronze.orders has a new data version (3)". */
  readonly reasons: readonly string[];
}

export interface UiGraph {
  readonly assets: readonly AssetNode[];
}

export interface ColumnView {
  readonly name: string;
  readonly type: string;
  readonly description?: string;
}

/** A small table of metadata: a source's Kafka partitions and lag, or its landed files. */
export interface MetadataTable {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly (string | number | boolean | null)[])[];
}

/** What a source reported when it was last observed. */
export interface SourceObservation {
  readonly observedAt: string;
  readonly summary: Readonly<Record<string, string | number | boolean>>;
  readonly table?: MetadataTable;
}

/** The latest result of one check of an asset partition. */
export interface CheckResultView {
  readonly name: string;
  readonly severity: "error" | "warn";
  readonly passed: boolean;
  readonly partition: string;
  readonly at: string;
  readonly failingRowCount: number;
  readonly firstFailingRows: readonly Readonly<Record<string, unknown>>[];
}

export interface AssetDetail extends AssetNode {
  readonly description: string;
  readonly columns: readonly ColumnView[];
  readonly codeVersion: string;
  /** How the asset is partitioned, as people read it: "daily from 2026-01-01 (UTC)". */
  readonly partitioning: string;
  readonly partitionCount: number;
  readonly counts: Readonly<Record<AssetStatus, number>>;
  readonly downstreams: readonly string[];
  /** The SQL text of a SQL asset, with its `ref('key')` calls as written. */
  readonly sql?: string;
  /** A ref whose key is not the asset it reads, mapped to that asset (a mart reads a copy). */
  readonly sqlRefs?: Readonly<Record<string, string>>;
  readonly checks: readonly CheckResultView[];
  readonly observation?: SourceObservation;
}

/** A run of equal statuses over the partition order: `["fresh", 364]`. */
export type StatusRun = readonly [AssetStatus, number];

/** Every partition's status, run-length encoded over the partition order (oldest first). */
export interface PartitionHealth {
  readonly total: number;
  readonly runs: readonly StatusRun[];
}

export interface PartitionRow {
  /**
   * The partition key; an unpartitioned asset's one partition is the empty string. For a run of
   * partitions (see `count`), its newest.
   */
  readonly partition: string;
  /**
   * Set when the row stands for several neighbouring partitions with the same status and
   * reasons, as the CLI collapses them: the oldest of them, and how many.
   */
  readonly oldest?: string;
  readonly count?: number;
  readonly status: AssetStatus;
  readonly reasons: readonly string[];
  readonly dataVersion?: string;
  readonly materializedAt?: string;
}

export interface PartitionQuery {
  readonly offset: number;
  readonly limit: number;
  readonly status?: AssetStatus;
  /**
   * Every partition on a row of its own. Otherwise a data source may collapse neighbours with
   * the same status and reasons into one row (rows and offsets then count those runs).
   */
  readonly expand?: boolean;
}

/** A page of partitions, newest first. */
export interface PartitionPage {
  readonly total: number;
  readonly offset: number;
  readonly rows: readonly PartitionRow[];
}

/** A partition on the other end of a lineage edge. */
export interface PartitionRef {
  readonly asset: string;
  readonly partition: string;
  /** For an upstream: the data version it had when read; for a downstream: its current one. */
  readonly dataVersion?: string;
  /** For an upstream: its data version now (differs from `dataVersion` when it changed since). */
  readonly currentDataVersion?: string;
  /**
   * For a downstream: the version of this partition it read, when that is not this partition's
   * current one (the downstream is behind).
   */
  readonly readOlderVersion?: string;
}

export interface MaterializationView {
  readonly id: string;
  readonly runId: string;
  readonly at: string;
  readonly dataVersion: string;
  readonly codeVersion: string;
  readonly rows?: number;
  readonly durationMs?: number;
}

/** `abandoned`: the process running it died (kill -9, a lost machine) and another noticed. */
export type RunStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled" | "abandoned";

export const RUN_STATUSES: readonly RunStatus[] = [
  "queued",
  "running",
  "succeeded",
  "failed",
  "cancelled",
  "abandoned",
];

export interface LogLine {
  readonly seq: number;
  readonly at: string;
  readonly level: "debug" | "info" | "warn" | "error";
  readonly message: string;
  readonly asset?: string;
  readonly partition?: string;
}

export interface PartitionDetail {
  readonly asset: string;
  readonly partition: string;
  readonly status: AssetStatus;
  readonly reasons: readonly string[];
  readonly dataVersion?: string;
  readonly codeVersion?: string;
  /** The upstream partitions its current materialization read, with the versions it read. */
  readonly upstreams: readonly PartitionRef[];
  /** The downstream partitions that read it. */
  readonly downstreams: readonly PartitionRef[];
  /** Newest first. */
  readonly history: readonly MaterializationView[];
  readonly checks: readonly CheckResultView[];
  readonly sql?: string;
  readonly sqlRefs?: Readonly<Record<string, string>>;
  readonly lastRun?: {
    readonly id: string;
    readonly status: RunStatus;
    readonly logs: readonly LogLine[];
  };
}

export interface RunSummary {
  readonly id: string;
  readonly status: RunStatus;
  readonly selection: string;
  /** The partition range as written: "2026-11-01..2026-11-03", or absent for every partition. */
  readonly partitions?: string;
  /** Who asked: "ui", "cli", "schedule:nightly", "sensor:landing". */
  readonly trigger: string;
  readonly queuedAt: string;
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly error?: string;
  /** What the run found, when it says more than its status: "nothing to do: 12 fresh". */
  readonly note?: string;
}

export interface RunStep {
  readonly asset: string;
  readonly partition: string;
  readonly status: RunStatus | "skipped";
  readonly reason?: string;
  readonly durationMs?: number;
}

export interface RunDetail extends RunSummary {
  readonly steps: readonly RunStep[];
}

export interface RunFilter {
  readonly status?: RunStatus;
  /** Runs with a step on this asset. */
  readonly asset?: string;
  readonly limit: number;
}

export interface TickView {
  readonly at: string;
  readonly status: "requested" | "skipped" | "failed";
  readonly runId?: string;
  readonly reason?: string;
}

export interface ScheduleView {
  readonly name: string;
  readonly cron: string;
  readonly timezone: string;
  readonly selection: string;
  readonly nextTickAt?: string;
  /** Newest first. */
  readonly ticks: readonly TickView[];
  /** Turned on or off (`deno task schedules on|off NAME`). */
  readonly state?: "on" | "off";
  readonly description?: string;
}

export interface SensorView {
  readonly name: string;
  readonly cursor?: string;
  /** Newest first; a store that keeps only the last evaluation gives that one. */
  readonly ticks: readonly TickView[];
  readonly state?: "on" | "off";
  /** How often it may be evaluated, in seconds. */
  readonly everySeconds?: number;
  readonly description?: string;
}

export interface ModelVersionView {
  readonly version: string;
  readonly trainedAt: string;
  readonly metrics: Readonly<Record<string, number>>;
  readonly gates: "passed" | "failed";
  readonly aliases: readonly string[];
}

export interface ModelView {
  readonly key: string;
  readonly champion?: string;
  /** Newest first. */
  readonly versions: readonly ModelVersionView[];
  readonly importance: readonly { readonly feature: string; readonly gain: number }[];
}

/** What the UI reads. Unknown keys and ids give `undefined`, never an error. */
export interface UiData {
  graph(): Promise<UiGraph>;
  /** `/api/assets`: every asset in the CLI's `assets --json` shape. */
  assetDocuments(): Promise<readonly AssetDocument[]>;
  /** `/api/assets/:key`: the asset as `assets KEY --json` shows it (every partition's status). */
  assetDocument(key: string): Promise<AssetDocument | undefined>;
  asset(key: string): Promise<AssetDetail | undefined>;
  partitionHealth(key: string): Promise<PartitionHealth | undefined>;
  partitions(key: string, query: PartitionQuery): Promise<PartitionPage | undefined>;
  /** The key of the partition at `index` in the partition order (oldest first). */
  partitionAt(key: string, index: number): Promise<string | undefined>;
  partition(key: string, partition: string): Promise<PartitionDetail | undefined>;
  /** Newest first. */
  runs(filter: RunFilter): Promise<readonly RunSummary[]>;
  run(id: string): Promise<RunDetail | undefined>;
  /** Log lines with `seq` greater than `afterSeq`, oldest first. */
  runLogs(id: string, afterSeq: number, limit: number): Promise<readonly LogLine[]>;
  /**
   * Resolves when run `id` may have log lines after `afterSeq` or a new status, or when `signal`
   * aborts. A store without notifications may poll; resolving early is harmless.
   */
  waitForRunChange(id: string, afterSeq: number, signal: AbortSignal): Promise<void>;
  schedules(): Promise<readonly ScheduleView[]>;
  sensors(): Promise<readonly SensorView[]>;
  models(): Promise<readonly ModelView[]>;
  /** Rejects when what the UI reads from cannot answer (`/healthz` answers 503 then). */
  health?(): Promise<void>;
  /**
   * `/api/runs`: `deno task runs --json` (the run queue). A data source without a run queue
   * leaves it out, and the API lists its runs' views instead.
   */
  runsDocument?(filter: RunFilter): Promise<RunsDocument>;
  /** `/api/runs/:id`: `deno task runs show ID --json`, by a UI run id or the CLI's. */
  runDocument?(id: string): Promise<RunDocument | undefined>;
}

export interface MaterializeRequest {
  /** A selection in the CLI's syntax, already checked against the graph by the UI. */
  readonly selection: string;
  /** An inclusive range of partition keys; absent for every partition that needs it. */
  readonly partitions?: { readonly from: string; readonly to: string };
}

/** What the UI does. A refusal the user can fix throws UiRequestError (shown as a 400). */
export interface UiActions {
  /**
   * `runId` is the (first) run; `runIds` every run when a range was split into several
   * (one per day, shared by the daemons).
   */
  materialize(
    request: MaterializeRequest,
  ): Promise<{ readonly runId: string; readonly runIds?: readonly string[] }>;
  promote(request: { model: string; version: string; alias: string }): Promise<void>;
  rollback(request: { model: string; alias: string }): Promise<void>;
  cancelRun(runId: string): Promise<void>;
}

/** The UI's time: injected so tests move it instead of waiting. */
export interface UiClock {
  now(): Date;
}

export function isAssetStatus(value: string): value is AssetStatus {
  return (ASSET_STATUSES as readonly string[]).includes(value);
}

export function isRunStatus(value: string): value is RunStatus {
  return (RUN_STATUSES as readonly string[]).includes(value);
}

/** The more urgent of two statuses. */
export function worseStatus(a: AssetStatus, b: AssetStatus): AssetStatus {
  return ASSET_STATUSES.indexOf(a) <= ASSET_STATUSES.indexOf(b) ? a : b;
}
