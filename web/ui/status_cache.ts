// Statuses for the UI from one read of the store, kept for a short while: every page of a burst
// (the graph, an asset, its partitions) reads the same snapshot instead of the store each time.
// A snapshot older than its maximum age is read again in the background while requests keep
// getting it, up to a staleness limit past which they wait; after this process changed
// something (invalidate()) the next request waits for a fresh read. Reads are shared.
import type { AnyAsset } from "../../runtime/definitions/asset.ts";
import type { AssetKey } from "../../runtime/definitions/asset_key.ts";
import type { AssetGraph } from "../../runtime/graph/asset_graph.ts";
import type { StatusResolver } from "../../runtime/staleness/status_resolver.ts";
import type { AssetStatusSummary } from "../../runtime/staleness/status_resolver.ts";
import type { UiClock } from "./ui_data.ts";

/** One read of the store, with each asset's summary computed when first asked for. */
export class StatusSnapshot {
  readonly #summaries = new Map<AssetKey, AssetStatusSummary>();

  constructor(
    readonly graph: AssetGraph,
    readonly resolver: StatusResolver,
    /** When it was read. */
    readonly at: Date,
  ) {}

  /** The asset `key` if the graph has it. */
  find(key: string): AnyAsset | undefined {
    return this.graph.has(key) ? this.graph.get(key) : undefined;
  }

  /** Every partition of the asset, oldest first, with its status. */
  summary(key: AssetKey): AssetStatusSummary {
    let summary = this.#summaries.get(key);
    if (!summary) this.#summaries.set(key, summary = this.resolver.asset(key));
    return summary;
  }
}

export interface StatusCacheOptions {
  readonly graph: AssetGraph;
  /** Reads the store once (loadStatusResolver). */
  readonly load: (now: Date) => Promise<StatusResolver>;
  readonly clock: UiClock;
  /** How old a snapshot may be before a request starts reading it again, in ms. */
  readonly maxAgeMs: number;
  /**
   * How old a snapshot may be and still be answered while it is read again, in ms; older, a
   * request waits for the new one. Default: 10 times maxAgeMs.
   */
  readonly maxStaleMs?: number;
}

export class StatusCache {
  #current: StatusSnapshot | undefined;
  #loading: Promise<StatusSnapshot> | undefined;
  /** Bumped by invalidate(), so a reload that began before a change is not kept as current. */
  #generation = 0;
  #loads = 0;

  constructor(private readonly options: StatusCacheOptions) {}

  /** How many times the store was read (for tests and the bench). */
  get loads(): number {
    return this.#loads;
  }

  async get(): Promise<StatusSnapshot> {
    const current = this.#current;
    const now = this.options.clock.now();
    const age = current ? now.getTime() - current.at.getTime() : Infinity;
    if (age < this.options.maxAgeMs) return current!;
    const loading = this.#loading ??= this.#reload(now);
    if (age < (this.options.maxStaleMs ?? 10 * this.options.maxAgeMs)) {
      // Answer now with what we have; the next request gets the new read.
      loading.catch(() => {});
      return current!;
    }
    return await loading;
  }

  /** Drops the snapshot: the next request reads the store again. */
  invalidate(): void {
    this.#current = undefined;
    this.#loading = undefined;
    this.#generation++;
  }

  async #reload(now: Date): Promise<StatusSnapshot> {
    const generation = this.#generation;
    try {
      this.#loads++;
      const snapshot = new StatusSnapshot(
        this.options.graph,
        await this.options.load(now),
        now,
      );
      if (generation === this.#generation) this.#current = snapshot;
      return snapshot;
    } finally {
      if (generation === this.#generation) this.#loading = undefined;
    }
  }
}
