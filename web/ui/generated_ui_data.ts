// An in-memory UiData and UiActions over generated assets, for tests, the bench and demos: every
// partition's status, lineage, history, checks and runs, seeded and reproducible. Runs move only
// when told (startRun, finishRun), so tests control time.
import { UiNotFoundError, UiRequestError } from "./errors.ts";
import { type GraphIndex, indexGraph } from "./graph_index.ts";
import {
  type GeneratedAssetDef,
  generatedShape,
  pipelineShape,
  seededRandom,
} from "./generated_shapes.ts";
import { RunWaiters } from "./run_waiters.ts";
import { evaluateSelection } from "./selection.ts";
import {
  ASSET_STATUSES,
  type AssetDetail,
  type AssetDocument,
  type AssetNode,
  type AssetStatus,
  type CheckResultView,
  type LogLine,
  type MaterializationView,
  type MaterializeRequest,
  type ModelView,
  type PartitionDetail,
  type PartitionHealth,
  type PartitionPage,
  type PartitionQuery,
  type PartitionRef,
  type RunDetail,
  type RunFilter,
  type RunStatus,
  type RunStep,
  type RunSummary,
  type ScheduleView,
  type SensorView,
  type SourceObservation,
  type StatusRun,
  type UiActions,
  type UiClock,
  type UiData,
  type UiGraph,
} from "./ui_data.ts";

export interface GeneratedUiDataOptions {
  /** "pipeline": the medallion pipeline's own assets; a number: a seeded graph of that many. */
  readonly assets: "pipeline" | number;
  /** Daily partitions of each partitioned asset, ending yesterday by the clock. */
  readonly partitions: number;
  readonly clock: UiClock;
  readonly seed?: number;
  /**
   * One more asset, hourly, with this many partitions: the health bar at scale. `alternating`
   * makes every partition differ from the last, the worst case for run-length encoding.
   */
  readonly bigAsset?: {
    readonly key: string;
    readonly partitions: number;
    readonly alternating?: boolean;
  };
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const WINDOW = 7;
const STATUS_CODE = new Map(ASSET_STATUSES.map((s, i) => [s, i]));
const FRESH = STATUS_CODE.get("fresh")!;

interface AssetState {
  readonly def: GeneratedAssetDef;
  readonly index: number;
  readonly count: number;
  /** Epoch ms of partition 0 and the step between partitions. */
  readonly startMs: number;
  readonly stepMs: number;
  readonly status: Uint8Array;
  /** Index into the reason table per partition; -1 for none. */
  readonly reason: Int32Array;
  readonly codeVersion: string;
  readonly downstreams: string[];
  /** Materializations made since generation, newest first, by partition position. */
  readonly made: Map<number, MaterializationView[]>;
  summary?: { status: AssetStatus; reasons: string[]; counts: Record<AssetStatus, number> };
}

/** A run's step as this store changes it. */
type StepRecord = { -readonly [K in keyof RunStep]: RunStep[K] };

interface RunRecord {
  summary: RunSummary;
  readonly steps: StepRecord[];
  readonly logs: LogLine[];
  /** Statuses the run's partitions had before it started, for cancel. */
  readonly before: Map<string, { status: number; reason: number }>;
}

interface ModelRecord {
  readonly key: string;
  readonly versions: ModelView["versions"];
  readonly aliasHistory: Map<string, string[]>;
}

export class GeneratedUiData implements UiData, UiActions {
  readonly #clock: UiClock;
  readonly #seed: number;
  readonly #assets = new Map<string, AssetState>();
  readonly #order: AssetState[] = [];
  readonly #reasons: string[] = [];
  readonly #reasonIndex = new Map<string, number>();
  readonly #runs: RunRecord[] = [];
  readonly #runById = new Map<string, RunRecord>();
  readonly #waiters = new RunWaiters();
  readonly #models = new Map<string, ModelRecord>();
  #graphIndex?: GraphIndex;
  #nextRun = 1;

  constructor(options: GeneratedUiDataOptions) {
    this.#clock = options.clock;
    this.#seed = options.seed ?? 21;
    const defs = options.assets === "pipeline"
      ? pipelineShape()
      : generatedShape(options.assets, this.#seed);
    if (options.bigAsset) {
      defs.push({
        key: options.bigAsset.key,
        group: "bronze",
        kind: "ts",
        tags: [],
        upstreams: [],
        mapping: "identity",
        partitioning: "hourly",
        description: "Clickstream events in hourly partitions.",
        columns: [{ name: "session_id", type: "VARCHAR" }, { name: "ts", type: "TIMESTAMPTZ" }],
      });
    }
    const today = Math.floor(this.#clock.now().getTime() / DAY_MS) * DAY_MS;
    for (const [index, def] of defs.entries()) {
      const count = def.partitioning === "none"
        ? 1
        : def.partitioning === "hourly"
        ? options.bigAsset!.partitions
        : options.partitions;
      const stepMs = def.partitioning === "hourly" ? HOUR_MS : DAY_MS;
      const state: AssetState = {
        def,
        index,
        count,
        startMs: def.partitioning === "hourly" ? today - count * HOUR_MS : today - count * DAY_MS,
        stepMs,
        status: new Uint8Array(count).fill(FRESH),
        reason: new Int32Array(count).fill(-1),
        codeVersion: hex(this.#seed, index, 0xc0de),
        downstreams: [],
        made: new Map(),
      };
      this.#assets.set(def.key, state);
      this.#order.push(state);
    }
    for (const state of this.#order) {
      for (const upstream of state.def.upstreams) {
        this.#assets.get(upstream)?.downstreams.push(state.def.key);
      }
    }
    this.#generateStatuses();
    if (options.bigAsset?.alternating) {
      const big = this.#assets.get(options.bigAsset.key)!;
      const stale = this.#intern("upstream clicks has a new data version");
      for (let i = 1; i < big.count; i += 2) {
        big.status[i] = STATUS_CODE.get("stale")!;
        big.reason[i] = stale;
      }
    }
    this.#generateRuns();
    this.#generateModels();
  }

  // ---- UiData ----

  graph(): Promise<UiGraph> {
    return Promise.resolve({ assets: this.#order.map((state) => this.#node(state)) });
  }

  asset(key: string): Promise<AssetDetail | undefined> {
    const state = this.#assets.get(key);
    if (!state) return Promise.resolve(undefined);
    const summary = this.#summary(state);
    const last = state.count - 1;
    const detail: AssetDetail = {
      ...this.#node(state),
      description: state.def.description,
      columns: state.def.columns,
      codeVersion: state.codeVersion,
      partitioning: this.#describePartitioning(state),
      partitionCount: state.count,
      counts: summary.counts,
      downstreams: state.downstreams,
      sql: state.def.kind === "sql" ? this.#sql(state) : undefined,
      checks: this.#checks(state, last),
      observation: state.def.kind === "source" ? this.#observation(state) : undefined,
    };
    return Promise.resolve(detail);
  }

  assetDocuments(): Promise<readonly AssetDocument[]> {
    return Promise.resolve(this.#order.map((state) => this.#document(state, false)));
  }

  assetDocument(key: string): Promise<AssetDocument | undefined> {
    const state = this.#assets.get(key);
    return Promise.resolve(state && this.#document(state, true));
  }

  /** The CLI's `assets --json` shape over generated statuses (causes are not generated). */
  #document(state: AssetState, detailed: boolean): AssetDocument {
    const summary = this.#summary(state);
    const statuses: Record<string, { status: AssetStatus; reasons: string[]; causes: [] }> = {};
    if (detailed) {
      for (let i = 0; i < state.count; i++) {
        const key = this.#keyAt(state, i);
        statuses[key === "" ? "-" : key] = {
          status: ASSET_STATUSES[state.status[i]],
          reasons: this.#reasonsAt(state, i),
          causes: [],
        };
      }
    }
    return {
      key: state.def.key,
      kind: state.def.kind === "source" ? "source" : "asset",
      group: state.def.group,
      tags: state.def.tags,
      description: state.def.description,
      partitions: this.#describePartitioning(state),
      upstreams: state.def.upstreams,
      status: summary.status,
      counts: summary.counts,
      reasons: summary.reasons.join("; "),
      ...(detailed && { partitionStatuses: statuses }),
      checks: this.#checks(state, state.count - 1).map((check) => ({
        partition: check.partition,
        name: check.name,
        severity: check.severity,
        passed: check.passed,
        message: check.passed ? "passed" : `${check.failingRowCount} failing rows`,
        failingCount: check.failingRowCount,
        failingRows: check.firstFailingRows,
        at: check.at,
      })),
    };
  }

  partitionHealth(key: string): Promise<PartitionHealth | undefined> {
    const state = this.#assets.get(key);
    if (!state) return Promise.resolve(undefined);
    return Promise.resolve({ total: state.count, runs: runLengths(state.status) });
  }

  partitions(key: string, query: PartitionQuery): Promise<PartitionPage | undefined> {
    const state = this.#assets.get(key);
    if (!state) return Promise.resolve(undefined);
    const wanted = query.status === undefined ? undefined : STATUS_CODE.get(query.status);
    const rows = [];
    let total = 0;
    for (let i = state.count - 1; i >= 0; i--) {
      if (wanted !== undefined && state.status[i] !== wanted) continue;
      if (total >= query.offset && rows.length < query.limit) {
        const history = this.#history(state, i);
        rows.push({
          partition: this.#keyAt(state, i),
          status: ASSET_STATUSES[state.status[i]],
          reasons: this.#reasonsAt(state, i),
          dataVersion: history[0]?.dataVersion,
          materializedAt: history[0]?.at,
        });
      }
      total++;
    }
    return Promise.resolve({ total, offset: query.offset, rows });
  }

  partitionAt(key: string, index: number): Promise<string | undefined> {
    const state = this.#assets.get(key);
    if (!state || !Number.isInteger(index) || index < 0 || index >= state.count) {
      return Promise.resolve(undefined);
    }
    return Promise.resolve(this.#keyAt(state, index));
  }

  partition(key: string, partition: string): Promise<PartitionDetail | undefined> {
    const state = this.#assets.get(key);
    const i = state === undefined ? -1 : this.#positionOf(state, partition);
    if (!state || i === -1) return Promise.resolve(undefined);
    const history = this.#history(state, i);
    const status = state.status[i];
    const stale = ASSET_STATUSES[status] === "stale";
    const never = history.length === 0;
    const upstreams: PartitionRef[] = this.#readsOf(state, i).map((
      [upstream, j],
    ) => {
      const current = this.#history(upstream, j)[0]?.dataVersion;
      // A stale partition read an older version of its upstream than the current one.
      const read = never ? undefined : stale ? hex(this.#seed, upstream.index, j, 0x01d) : current;
      return {
        asset: upstream.def.key,
        partition: this.#keyAt(upstream, j),
        dataVersion: read,
        currentDataVersion: current,
      };
    });
    const downstreams: PartitionRef[] = this.#readersOf(state, i).map(([downstream, j]) => ({
      asset: downstream.def.key,
      partition: this.#keyAt(downstream, j),
      dataVersion: this.#history(downstream, j)[0]?.dataVersion,
    }));
    const lastRun = this.#runs.find((run) =>
      run.steps.some((step) => step.asset === key && step.partition === partition)
    );
    return Promise.resolve({
      asset: key,
      partition,
      status: ASSET_STATUSES[status],
      reasons: this.#reasonsAt(state, i),
      dataVersion: history[0]?.dataVersion,
      codeVersion: history[0]?.codeVersion,
      upstreams,
      downstreams,
      history,
      checks: this.#checks(state, i),
      sql: state.def.kind === "sql" ? this.#sql(state) : undefined,
      lastRun: lastRun && {
        id: lastRun.summary.id,
        status: lastRun.summary.status,
        logs: lastRun.logs.slice(-50),
      },
    });
  }

  runs(filter: RunFilter): Promise<readonly RunSummary[]> {
    const matched = this.#runs.filter((run) =>
      (filter.status === undefined || run.summary.status === filter.status) &&
      (filter.asset === undefined || run.steps.some((step) => step.asset === filter.asset))
    );
    return Promise.resolve(matched.slice(0, filter.limit).map((run) => run.summary));
  }

  run(id: string): Promise<RunDetail | undefined> {
    const run = this.#runById.get(id);
    return Promise.resolve(run && { ...run.summary, steps: [...run.steps] });
  }

  runLogs(id: string, afterSeq: number, limit: number): Promise<readonly LogLine[]> {
    const logs = this.#runById.get(id)?.logs ?? [];
    const from = logs.findIndex((line) => line.seq > afterSeq);
    return Promise.resolve(from === -1 ? [] : logs.slice(from, from + limit));
  }

  waitForRunChange(id: string, afterSeq: number, signal: AbortSignal): Promise<void> {
    const run = this.#runById.get(id);
    if (!run || signal.aborted || (run.logs.at(-1)?.seq ?? 0) > afterSeq) return Promise.resolve();
    return this.#waiters.wait(id, signal);
  }

  schedules(): Promise<readonly ScheduleView[]> {
    const at = this.#clock.now().getTime();
    return Promise.resolve([{
      name: "nightly_medallion",
      cron: "15 2 * * *",
      timezone: "Europe/Amsterdam",
      selection: "group:bronze+",
      nextTickAt: new Date(at + 6 * HOUR_MS).toISOString(),
      ticks: [
        { at: new Date(at - 18 * HOUR_MS).toISOString(), status: "requested", runId: "r-000001" },
        {
          at: new Date(at - 42 * HOUR_MS).toISOString(),
          status: "skipped",
          reason: "every selected partition was fresh",
        },
      ],
    }]);
  }

  sensors(): Promise<readonly SensorView[]> {
    const at = this.#clock.now().getTime();
    return Promise.resolve([{
      name: "landing_files",
      cursor: "orders/2026-11-01/batch-0042.ndjson",
      ticks: [{
        at: new Date(at - 60_000).toISOString(),
        status: "skipped",
        reason: "no new files since the cursor",
      }],
    }]);
  }

  models(): Promise<readonly ModelView[]> {
    return Promise.resolve([...this.#models.values()].map((model) => ({
      key: model.key,
      champion: model.aliasHistory.get("champion")?.at(-1),
      versions: model.versions.map((version) => ({
        ...version,
        aliases: [...model.aliasHistory].filter(([, history]) => history.at(-1) === version.version)
          .map(([alias]) => alias),
      })),
      importance: FEATURES.map((feature, i) => ({
        feature,
        gain: Math.round(1000 / (i + 1.5)) / 10,
      })),
    })));
  }

  // ---- UiActions ----

  materialize(request: MaterializeRequest): Promise<{ runId: string }> {
    return settle(() => this.#materialize(request));
  }

  #materialize(request: MaterializeRequest): { runId: string } {
    const positions = evaluateSelection(this.#index(), request.selection);
    const steps: StepRecord[] = [];
    for (const position of positions) {
      const state = this.#order[position];
      if (state.def.kind === "source") continue;
      for (const i of this.#partitionsToRun(state, request.partitions)) {
        steps.push({ asset: state.def.key, partition: this.#keyAt(state, i), status: "queued" });
      }
    }
    if (request.partitions && steps.length === 0) {
      throw new UiRequestError(
        `Cannot materialize '${request.selection}' for ${request.partitions.from}..${request.partitions.to}: ` +
          "no partition of the selection is in that range",
      );
    }
    const id = `r-${String(this.#nextRun++).padStart(6, "0")}`;
    const run: RunRecord = {
      summary: {
        id,
        status: "queued",
        selection: request.selection,
        partitions: request.partitions && `${request.partitions.from}..${request.partitions.to}`,
        trigger: "ui",
        queuedAt: this.#clock.now().toISOString(),
      },
      steps,
      logs: [],
      before: new Map(),
    };
    this.#runs.unshift(run);
    this.#runById.set(id, run);
    this.appendLog(id, "info", `queued from the UI: ${steps.length} partitions to materialize`);
    return { runId: id };
  }

  promote(request: { model: string; version: string; alias: string }): Promise<void> {
    return settle(() => this.#promote(request));
  }

  #promote(request: { model: string; version: string; alias: string }): void {
    const model = this.#model(request.model);
    if (!model.versions.some((v) => v.version === request.version)) {
      throw new UiNotFoundError(
        `Cannot promote version '${request.version}' of ${request.model}: no such version; ` +
          `expected one of ${model.versions.map((v) => v.version).join(", ")}`,
      );
    }
    const history = model.aliasHistory.get(request.alias) ?? [];
    history.push(request.version);
    model.aliasHistory.set(request.alias, history);
  }

  rollback(request: { model: string; alias: string }): Promise<void> {
    return settle(() => this.#rollback(request));
  }

  #rollback(request: { model: string; alias: string }): void {
    const history = this.#model(request.model).aliasHistory.get(request.alias) ?? [];
    if (history.length < 2) {
      throw new UiRequestError(
        `Cannot roll back '${request.alias}' of ${request.model} as it has no earlier version`,
      );
    }
    history.pop();
  }

  cancelRun(runId: string): Promise<void> {
    return settle(() => this.#cancelRun(runId));
  }

  #cancelRun(runId: string): void {
    const run = this.#requireRun(runId);
    if (run.summary.status !== "queued" && run.summary.status !== "running") {
      throw new UiRequestError(
        `Cannot cancel run ${runId} as it has already ended: its status is ${run.summary.status}`,
      );
    }
    for (const [at, before] of run.before) {
      const [key, i] = splitAt(at);
      const state = this.#assets.get(key)!;
      state.status[i] = before.status;
      state.reason[i] = before.reason;
      state.summary = undefined;
    }
    for (const step of run.steps) {
      if (step.status === "queued" || step.status === "running") {
        step.status = "cancelled" as never;
      }
    }
    this.#setRunStatus(run, "cancelled");
    this.appendLog(runId, "warn", "cancelled from the UI");
  }

  // ---- Moving runs (what a daemon would do) ----

  /** Marks a queued run running and its partitions running. */
  startRun(runId: string): void {
    const run = this.#requireRun(runId);
    const reason = this.#intern(`being materialized by run ${runId} (ui)`);
    for (const step of run.steps) {
      const state = this.#assets.get(step.asset)!;
      const i = this.#positionOf(state, step.partition);
      run.before.set(`${step.asset}|${i}`, { status: state.status[i], reason: state.reason[i] });
      state.status[i] = STATUS_CODE.get("running")!;
      state.reason[i] = reason;
      state.summary = undefined;
      step.status = "running";
    }
    run.summary = { ...run.summary, startedAt: this.#clock.now().toISOString() };
    this.#setRunStatus(run, "running");
    this.appendLog(runId, "info", `started: ${run.steps.length} steps`);
  }

  /** Ends a run: every step succeeds (its partitions turn fresh with a new data version) or the
   * first fails (its partition turns failed, the rest are skipped). */
  finishRun(runId: string, outcome: "succeeded" | "failed" = "succeeded"): void {
    const run = this.#requireRun(runId);
    if (run.summary.status === "queued") this.startRun(runId);
    const now = this.#clock.now().toISOString();
    for (const [n, step] of run.steps.entries()) {
      const state = this.#assets.get(step.asset)!;
      const i = this.#positionOf(state, step.partition);
      const mutable = step;
      state.summary = undefined;
      if (outcome === "failed") {
        if (n === 0) {
          const error = "Binder Error: column amount_eur not found";
          state.status[i] = STATUS_CODE.get("failed")!;
          state.reason[i] = this.#intern(
            `last materialization failed in run ${runId}: ${error}`,
          );
          mutable.status = "failed";
          mutable.reason = error;
          this.appendLog(runId, "error", `${step.asset} ${step.partition}: ${error}`, step);
        } else {
          const before = run.before.get(`${step.asset}|${i}`)!;
          state.status[i] = before.status;
          state.reason[i] = before.reason;
          mutable.status = "skipped";
          mutable.reason = `upstream ${run.steps[0].asset} failed`;
        }
        continue;
      }
      const made = state.made.get(i) ?? [];
      const version = hex(this.#seed, state.index, i, 0x5eed + made.length + 1);
      made.unshift({
        id: `m-${runId}-${n}`,
        runId,
        at: now,
        dataVersion: version,
        codeVersion: state.codeVersion,
        rows: 1000 + (i % 97) * 13,
        durationMs: 40 + (i % 11) * 7,
      });
      state.made.set(i, made);
      state.status[i] = FRESH;
      state.reason[i] = -1;
      mutable.status = "succeeded";
      mutable.durationMs = made[0].durationMs;
      this.appendLog(
        runId,
        "info",
        `materialized ${step.asset} ${step.partition || "-"}: ${
          made[0].rows
        } rows, data version ${version}`,
        step,
      );
    }
    run.summary = { ...run.summary, endedAt: now };
    if (outcome === "failed") run.summary = { ...run.summary, error: "a step failed" };
    this.#setRunStatus(run, outcome);
    this.appendLog(runId, outcome === "failed" ? "error" : "info", `run ${outcome}`);
  }

  /** Appends one log line to a run and wakes whoever tails it. */
  appendLog(
    runId: string,
    level: LogLine["level"],
    message: string,
    step?: { asset: string; partition: string },
  ): LogLine {
    const run = this.#requireRun(runId);
    const line: LogLine = {
      seq: (run.logs.at(-1)?.seq ?? 0) + 1,
      at: this.#clock.now().toISOString(),
      level,
      message,
      ...(step && { asset: step.asset, partition: step.partition }),
    };
    run.logs.push(line);
    this.#wake(runId);
    return line;
  }

  // ---- Internals ----

  #index(): GraphIndex {
    this.#graphIndex ??= indexGraph(this.#order.map((state) => this.#node(state)));
    return this.#graphIndex;
  }

  #node(state: AssetState): AssetNode {
    const summary = this.#summary(state);
    return {
      key: state.def.key,
      group: state.def.group,
      kind: state.def.kind,
      tags: state.def.tags,
      upstreams: state.def.upstreams,
      status: summary.status,
      reasons: summary.reasons,
    };
  }

  #summary(state: AssetState) {
    if (state.summary) return state.summary;
    const counts = Object.fromEntries(ASSET_STATUSES.map((s) => [s, 0])) as Record<
      AssetStatus,
      number
    >;
    const histogram = new Uint32Array(ASSET_STATUSES.length);
    const reasonCounts = new Map<number, number>();
    for (let i = 0; i < state.count; i++) {
      histogram[state.status[i]]++;
      const reason = state.reason[i];
      if (reason !== -1) reasonCounts.set(reason, (reasonCounts.get(reason) ?? 0) + 1);
    }
    let worst = FRESH;
    histogram.forEach((n, code) => {
      counts[ASSET_STATUSES[code]] = n;
      if (n > 0 && code < worst) worst = code;
    });
    const reasons = [...reasonCounts].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([r, n]) =>
      state.count > 1 ? `${this.#reasons[r]} (${n})` : this.#reasons[r]
    );
    state.summary = { status: ASSET_STATUSES[worst], reasons, counts };
    return state.summary;
  }

  #generateStatuses(): void {
    const random = seededRandom(this.#seed * 7 + 1);
    for (const state of this.#order) {
      if (state.def.kind === "source") continue;
      const last = state.count - 1;
      const upstream = state.def.upstreams[0] ?? "seeds.fx_rates";
      const roll = random();
      const setLast = (status: AssetStatus, reason: string) => {
        state.status[last] = STATUS_CODE.get(status)!;
        state.reason[last] = this.#intern(reason);
      };
      if (roll < 0.22) setLast("stale", `upstream ${upstream} has a new data version`);
      else if (roll < 0.3) setLast("never", "never materialized");
      else if (roll < 0.37) {
        setLast("waiting", `upstream ${upstream} has no data for this partition yet`);
      } else if (roll < 0.41) {
        setLast(
          "failed",
          "last materialization failed in run r-000002: Conversion Error: could not convert 'N/A'",
        );
      } else if (roll < 0.44) {
        setLast("overdue", "last materialized 95 min ago; freshness policy allows 60 min");
      } else if (roll < 0.48) setLast("stale", "code version changed");
      // A few stale days further back, so the health bar shows scattered runs.
      for (let i = 0; i < last; i++) {
        if (random() < 0.004) {
          state.status[i] = STATUS_CODE.get("stale")!;
          state.reason[i] = this.#intern(`upstream ${upstream} has a new data version`);
        }
      }
    }
  }

  #generateRuns(): void {
    const now = this.#clock.now().getTime();
    const partitioned = this.#order.filter((s) => s.def.kind !== "source").slice(0, 6);
    for (let r = 0; r < 12; r++) {
      const id = `r-${String(this.#nextRun++).padStart(6, "0")}`;
      const failed = r === 1;
      const at = now - (12 - r) * HOUR_MS;
      const steps: StepRecord[] = partitioned.map((state, n) => ({
        asset: state.def.key,
        partition: this.#keyAt(state, state.count - 1),
        status: failed ? (n === 0 ? "failed" : "skipped") : "succeeded",
        durationMs: 120 + n * 30,
        ...(failed && { reason: n === 0 ? "Conversion Error" : "upstream failed" }),
      }));
      const run: RunRecord = {
        summary: {
          id,
          status: failed ? "failed" : "succeeded",
          selection: r % 3 === 0 ? "group:bronze+" : "*",
          trigger: r % 2 === 0 ? "schedule:nightly_medallion" : "cli",
          queuedAt: new Date(at).toISOString(),
          startedAt: new Date(at + 1000).toISOString(),
          endedAt: new Date(at + 60_000).toISOString(),
          ...(failed && { error: "a step failed" }),
        },
        steps,
        logs: steps.map((step, n) => ({
          seq: n + 1,
          at: new Date(at + 1000 + n * 500).toISOString(),
          level: step.status === "failed" ? "error" : "info",
          message: step.status === "failed"
            ? `${step.asset}: Conversion Error: could not convert 'N/A'`
            : `materialized ${step.asset} ${step.partition}`,
          asset: step.asset,
          partition: step.partition,
        })),
        before: new Map(),
      };
      this.#runs.unshift(run);
      this.#runById.set(id, run);
    }
  }

  #generateModels(): void {
    for (const state of this.#order.filter((s) => s.def.group === "models")) {
      const now = this.#clock.now().getTime();
      const versions = [3, 2, 1].map((n) => ({
        version: `v${n}`,
        trainedAt: new Date(now - (4 - n) * 7 * DAY_MS).toISOString(),
        metrics: {
          auc: 0.9 + n * 0.01,
          precision_at_1pct: 0.6 + n * 0.05,
          logloss: 0.2 - n * 0.01,
        },
        gates: n === 2 ? "failed" as const : "passed" as const,
        aliases: [],
      }));
      this.#models.set(state.def.key, {
        key: state.def.key,
        versions,
        aliasHistory: new Map([["champion", ["v1", "v3"]]]),
      });
    }
  }

  #model(key: string): ModelRecord {
    const model = this.#models.get(key);
    if (model) return model;
    throw new UiNotFoundError(
      `Cannot find model '${key}': expected one of ${
        [...this.#models.keys()].join(", ") || "none"
      }`,
    );
  }

  #requireRun(id: string): RunRecord {
    const run = this.#runById.get(id);
    if (run) return run;
    throw new UiNotFoundError(`Cannot find run '${id}': no run has that id`);
  }

  #setRunStatus(run: RunRecord, status: RunStatus): void {
    run.summary = { ...run.summary, status };
    this.#wake(run.summary.id);
  }

  #wake(runId: string): void {
    this.#waiters.wake(runId);
  }

  #intern(reason: string): number {
    let at = this.#reasonIndex.get(reason);
    if (at === undefined) {
      at = this.#reasons.length;
      this.#reasons.push(reason);
      this.#reasonIndex.set(reason, at);
    }
    return at;
  }

  #reasonsAt(state: AssetState, i: number): string[] {
    return state.reason[i] === -1 ? [] : [this.#reasons[state.reason[i]]];
  }

  #keyAt(state: AssetState, i: number): string {
    if (state.def.partitioning === "none") return "";
    const iso = new Date(state.startMs + i * state.stepMs).toISOString();
    return state.def.partitioning === "hourly" ? iso.slice(0, 13) : iso.slice(0, 10);
  }

  #positionOf(state: AssetState, partition: string): number {
    if (state.def.partitioning === "none") return partition === "" ? 0 : -1;
    const pattern = state.def.partitioning === "hourly"
      ? /^\d{4}-\d{2}-\d{2}T\d{2}$/
      : /^\d{4}-\d{2}-\d{2}$/;
    if (!pattern.test(partition)) return -1;
    const ms = Date.parse(
      state.def.partitioning === "hourly" ? `${partition}:00:00Z` : `${partition}T00:00:00Z`,
    );
    const i = (ms - state.startMs) / state.stepMs;
    return Number.isInteger(i) && i >= 0 && i < state.count ? i : -1;
  }

  #partitionsToRun(state: AssetState, range?: { from: string; to: string }): number[] {
    const all = Array.from({ length: state.count }, (_, i) => i);
    if (range === undefined) return all.filter((i) => state.status[i] !== FRESH);
    if (state.def.partitioning === "none") return [0];
    return all.filter((i) => {
      const key = this.#keyAt(state, i);
      return key >= range.from && key <= range.to;
    });
  }

  /** The upstream partitions partition `i` of `state` reads. */
  #readsOf(state: AssetState, i: number): [AssetState, number][] {
    const reads: [AssetState, number][] = [];
    for (const key of state.def.upstreams) {
      const upstream = this.#assets.get(key)!;
      if (upstream.def.partitioning === "none") reads.push([upstream, 0]);
      else if (state.def.partitioning === "none") {
        for (let j = Math.max(0, upstream.count - WINDOW); j < upstream.count; j++) {
          reads.push([upstream, j]);
        }
      } else if (state.def.mapping === "window") {
        for (let j = Math.max(0, i - WINDOW + 1); j <= i; j++) reads.push([upstream, j]);
      } else if (i < upstream.count) reads.push([upstream, i]);
    }
    return reads;
  }

  /** The downstream partitions that read partition `i` of `state`. */
  #readersOf(state: AssetState, i: number): [AssetState, number][] {
    const readers: [AssetState, number][] = [];
    for (const key of state.downstreams) {
      const downstream = this.#assets.get(key)!;
      if (downstream.def.partitioning === "none") {
        if (state.def.partitioning === "none" || i >= state.count - WINDOW) {
          readers.push([downstream, 0]);
        }
      } else if (state.def.partitioning === "none") {
        for (let j = 0; j < downstream.count; j++) readers.push([downstream, j]);
      } else if (downstream.def.mapping === "window") {
        for (let j = i; j < Math.min(downstream.count, i + WINDOW); j++) {
          readers.push([downstream, j]);
        }
      } else if (i < downstream.count) readers.push([downstream, i]);
    }
    return readers;
  }

  #history(state: AssetState, i: number): MaterializationView[] {
    if (state.def.kind === "source") return [];
    const made = state.made.get(i) ?? [];
    const never = ASSET_STATUSES[state.status[i]] === "never" && made.length === 0;
    if (never) return [];
    const base = 1 + ((state.index * 31 + i) % 3);
    const partitionMs = state.startMs + i * state.stepMs;
    const generated = Array.from({ length: base }, (_, k) => {
      const n = base - k;
      return {
        id: `m-${state.index}-${i}-${n}`,
        runId: `r-${String(1 + ((i + n) % 12)).padStart(6, "0")}`,
        at: new Date(partitionMs + state.stepMs + n * HOUR_MS).toISOString(),
        dataVersion: hex(this.#seed, state.index, i, n),
        codeVersion: n === base ? state.codeVersion : hex(this.#seed, state.index, 0xc0de, n),
        rows: 1000 + ((i * 7 + n) % 500),
        durationMs: 50 + ((i + n) % 40) * 5,
      };
    });
    return [...made, ...generated];
  }

  #checks(state: AssetState, i: number): CheckResultView[] {
    if (state.def.kind === "source") return [];
    const at = this.#history(state, i)[0]?.at ?? this.#clock.now().toISOString();
    const partition = this.#keyAt(state, i);
    const checks: CheckResultView[] = [{
      name: "not_null(event_date)",
      severity: "error",
      passed: true,
      partition,
      at,
      failingRowCount: 0,
      firstFailingRows: [],
    }];
    if (state.index % 4 === 1) {
      const failing = i === state.count - 1;
      checks.push({
        name: "unique(order_id)",
        severity: "warn",
        passed: !failing,
        partition,
        at,
        failingRowCount: failing ? 3 : 0,
        firstFailingRows: failing
          ? [
            { order_id: "o-000412", n: 2 },
            { order_id: "o-000977", n: 2 },
            { order_id: "o-001203", n: 3 },
          ]
          : [],
      });
    }
    return checks;
  }

  #sql(state: AssetState): string {
    const refs = state.def.upstreams;
    const from = refs.map((ref, n) =>
      n === 0
        ? `from {{ ref('${ref}') }} as u0`
        : `  left join {{ ref('${ref}') }} as u${n} using (event_date)`
    );
    return [
      "-- " + state.def.description,
      "select",
      "  u0.*,",
      "  current_timestamp as _built_at",
      ...(from.length > 0 ? from : ["from (select current_date as event_date) as u0"]),
      "where u0.event_date = '{{ partition }}'",
    ].join("\n");
  }

  #observation(state: AssetState): SourceObservation {
    const observedAt = this.#clock.now().toISOString();
    const topic = state.def.key.split(".").at(-1)!;
    if (state.index % 2 === 0) {
      const rows = Array.from({ length: 6 }, (_, p) => {
        const end = 100_000 + p * 1311 + state.index * 17;
        const lag = (p * 37 + state.index) % 90;
        return [p, end, end - lag, lag];
      });
      return {
        observedAt,
        summary: { topic, lag_records: rows.reduce((sum, row) => sum + row[3], 0) },
        table: {
          title: "Kafka partitions",
          columns: ["partition", "end offset", "committed offset", "lag"],
          rows,
        },
      };
    }
    const rows = Array.from({ length: 4 }, (_, n) => [
      `${topic}/${this.#keyAt(state, state.count - 1)}/batch-${String(n).padStart(4, "0")}.ndjson`,
      this.#keyAt(state, state.count - 1),
      2500 + n * 10,
      512_000 + n * 4096,
      new Date(this.#clock.now().getTime() - (4 - n) * 15 * 60_000).toISOString(),
    ]);
    return {
      observedAt,
      summary: { topic, files: rows.length, days: state.count },
      table: {
        title: "Landed files",
        columns: ["file", "day", "rows", "bytes", "landed at"],
        rows,
      },
    };
  }

  #describePartitioning(state: AssetState): string {
    if (state.def.partitioning === "none") return "not partitioned";
    const unit = state.def.partitioning === "hourly" ? "hourly" : "daily";
    const read = state.def.mapping === "window" ? `; reads a ${WINDOW}-day window upstream` : "";
    return `${unit} from ${this.#keyAt(state, 0)} (UTC), ${
      state.count.toLocaleString("en-US")
    } partitions${read}`;
  }
}

const FEATURES = [
  "velocity_1h",
  "amount_vs_user_avg",
  "account_age_days",
  "device_count_30d",
  "geo_mismatch",
  "is_vpn",
  "country_risk_score",
  "chargeback_rate",
];

/** `fn`'s result as a promise, its throw as a rejection (so callers see one kind of failure). */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Statuses as runs over the partition order. */
function runLengths(codes: Uint8Array): StatusRun[] {
  const runs: StatusRun[] = [];
  let start = 0;
  for (let i = 1; i <= codes.length; i++) {
    if (i === codes.length || codes[i] !== codes[start]) {
      runs.push([ASSET_STATUSES[codes[start]], i - start]);
      start = i;
    }
  }
  return runs;
}

/** A short stable hex version from a few integers. */
function hex(...parts: number[]): string {
  let h = 0x811c9dc5;
  for (const part of parts) {
    h = Math.imul(h ^ (part & 0xffff), 0x01000193);
    h = Math.imul(h ^ (part >>> 16), 0x01000193);
  }
  const low = (h >>> 0).toString(16).padStart(8, "0");
  const high = (Math.imul(h, 0x9e3779b1) >>> 0).toString(16).padStart(8, "0");
  return `${low}${high}`;
}

function splitAt(at: string): [string, number] {
  const bar = at.lastIndexOf("|");
  return [at.slice(0, bar), Number(at.slice(bar + 1))];
}
