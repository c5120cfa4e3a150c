// Resolves statuses for a whole graph from one read of the store: the partition states and the
// live leases. Everything after that read is pure computation (see staleness.ts), memoized, and
// carried over to the next read of the same store and graph where no change can reach it.
import type { AssetKey } from "../definitions/asset_key.ts";
import { partitionRefKey } from "../definitions/partition_ref.ts";
import type { AssetGraph, UpstreamPartitions } from "../graph/asset_graph.ts";
import { aliasOfPartition, type PartitionKey } from "../partitions/partition_key.ts";
import { partitionStatus } from "./staleness.ts";
import { emptyCounts, rollupStatus, type StatusCounts } from "./rollup.ts";
import { FRESH, type PartitionStatus, type Status, type WaitingCause } from "./status.ts";
import { type MissingUpstream, upstreamWithoutData } from "./waiting.ts";
import type { Lease, MetadataStore, PartitionState, StateIndex } from "../store/metadata_store.ts";
import { inputField, type InputSignature, signaturePart } from "../definitions/version.ts";
import { LayeredMap } from "./layered_map.ts";
import { StatusMemo } from "./status_memo.ts";
import {
  changesBetween,
  downstreamOf,
  type StatusChanges,
  waitingFacet,
} from "./status_invalidation.ts";

const NO_DATA: PartitionStatus = Object.freeze({
  status: "waiting",
  causes: Object.freeze([{ kind: "no_data" } as const]),
});

export interface AssetStatusSummary {
  readonly key: AssetKey;
  readonly partitions: ReadonlyMap<PartitionKey, PartitionStatus>;
  readonly counts: StatusCounts;
  /**
   * The status of the asset as a whole: its most urgent partition's among those that can run
   * (waiting only when every partition waits; see rollup.ts).
   */
  readonly status: Status;
}

export class StatusResolver {
  readonly #memo = new Map<AssetKey, StatusMemo>();
  readonly #summaries = new Map<AssetKey, AssetStatusSummary>();
  /** Summaries of the previous read to bring up to date: only `changed` partitions differ. */
  readonly #carried = new Map<
    AssetKey,
    { summary: AssetStatusSummary; changed: ReadonlyMap<PartitionKey, boolean> }
  >();
  readonly #isSource = (key: AssetKey) => this.graph.get(key).kind === "source";

  private constructor(
    readonly graph: AssetGraph,
    readonly states: StateIndex,
    readonly leases: ReadonlyMap<string, Lease>,
    readonly now: Date,
    previous?: StatusResolver,
  ) {
    const changes = previous && changesBetween(previous, this);
    if (changes) this.#carryOver(previous!, changes);
  }

  /**
   * Keeps the previous read's statuses that no change reaches. Assets are visited upstream
   * first: a partition whose state or lease changed marks those directly downstream of it; a
   * marked partition is computed again at once and marks its own downstreams only if it
   * started or stopped waiting (or waits for another source). An asset with nothing marked
   * shares the previous read's statuses (both may add to them: they hold for both) and summary.
   */
  #carryOver(previous: StatusResolver, changes: StatusChanges): void {
    /** Per asset, the marked partitions: true when their own state or lease changed. */
    const marked = new Map<AssetKey, Map<PartitionKey, boolean>>();
    const mark = (key: AssetKey, partition: PartitionKey, own: boolean) => {
      let partitions = marked.get(key);
      if (!partitions) marked.set(key, partitions = new Map());
      if (own || !partitions.has(partition)) partitions.set(partition, own);
    };
    for (const [key, partitions] of changes.partitions) {
      for (const partition of partitions) mark(key, partition, true);
    }
    for (const key of this.graph.order) {
      const before = previous.#memo.get(key);
      const summary = previous.#summaries.get(key);
      const clocked = changes.clocked.has(key);
      const partitions = marked.get(key);
      if (partitions === undefined && !clocked) {
        if (before) this.#memo.set(key, before);
        if (summary) this.#summaries.set(key, summary);
        continue;
      }
      // Shares the previous read's statuses, hiding the marked partitions (status_memo.ts).
      const kept = clocked || before === undefined
        ? StatusMemo.empty()
        : StatusMemo.carried(before, partitions?.keys() ?? []);
      this.#memo.set(key, kept);
      if (summary && !clocked) this.#carried.set(key, { summary, changed: partitions! });
      for (const [partition, own] of partitions ?? []) {
        const was = before?.get(partition);
        const spreads = own || was === undefined ||
          waitingFacet(was) !== waitingFacet(this.partition(key, partition));
        if (!spreads) continue;
        for (const [down, downPartition] of downstreamOf(this.graph, key, partition, this.now)) {
          mark(down, downPartition, false);
        }
      }
    }
  }

  /**
   * Statuses over `states` and `leases` at `now`, reusing those of `previous` (the last read of
   * the same store and graph) that no change since it can reach (see status_loading.ts).
   */
  static after(
    previous: StatusResolver | undefined,
    graph: AssetGraph,
    states: StateIndex,
    leases: readonly Lease[],
    now: Date,
  ): StatusResolver {
    return new StatusResolver(graph, states, liveLeases(leases, now), now, previous);
  }

  /** Statuses from a full read of the store, sharing nothing with other reads. */
  static async loadUncached(
    graph: AssetGraph,
    store: MetadataStore,
    now: Date,
  ): Promise<StatusResolver> {
    const [states, leases] = await Promise.all([
      store.partitions.loadStates(),
      store.leases.listLeases(),
    ]);
    return new StatusResolver(graph, states, liveLeases(leases, now), now);
  }

  /**
   * Statuses over `states`, which need hold only the assets computed here and their direct
   * upstreams: every partition of the assets in `whole`, the `marked` partitions of the others,
   * and for the rest the `previous` statuses (persisted ones, status_reader.ts) as they are.
   * Shares nothing with loadStatusResolver()'s reads.
   */
  static withKnown(
    graph: AssetGraph,
    states: StateIndex,
    leases: readonly Lease[],
    now: Date,
    previous: ReadonlyMap<AssetKey, AssetStatusSummary>,
    whole: ReadonlySet<AssetKey>,
    marked: ReadonlyMap<AssetKey, ReadonlyMap<PartitionKey, boolean>>,
  ): StatusResolver {
    const resolver = new StatusResolver(graph, states, liveLeases(leases, now), now);
    for (const [key, summary] of previous) {
      if (whole.has(key)) continue;
      const changed = marked.get(key);
      const kept = StatusMemo.over(summary.partitions);
      if (changed === undefined) {
        resolver.#summaries.set(key, summary);
        resolver.#memo.set(key, kept);
      } else {
        resolver.#memo.set(key, StatusMemo.carried(kept, changed.keys()));
        resolver.#carried.set(key, { summary, changed });
      }
    }
    return resolver;
  }

  state(key: AssetKey, partition: PartitionKey): PartitionState | undefined {
    return this.states.get(key)?.get(partition);
  }

  partition(key: AssetKey, partition: PartitionKey): PartitionStatus {
    const memo = this.#memo.get(key)?.get(partition);
    if (memo) return memo;
    const status = this.#compute(key, partition);
    let forAsset = this.#memo.get(key);
    if (!forAsset) this.#memo.set(key, forAsset = StatusMemo.empty());
    forAsset.set(partition, status);
    return status;
  }

  /** Every partition of `key` that exists now, with its status. */
  asset(key: AssetKey): AssetStatusSummary {
    const known = this.#summaries.get(key);
    if (known) return known;
    const counts = emptyCounts();
    let partitions: ReadonlyMap<PartitionKey, PartitionStatus>;
    const carried = this.#carried.get(key);
    if (carried) {
      // The previous read's summary over the same partitions, with the changed ones redone as
      // a layer over its map (layered_map.ts): a change costs what it changed.
      const redone = new Map<PartitionKey, PartitionStatus>();
      Object.assign(counts, carried.summary.counts);
      for (const partition of carried.changed.keys()) {
        const was = carried.summary.partitions.get(partition);
        if (was === undefined) continue;
        const status = this.partition(key, partition);
        redone.set(partition, status);
        counts[was.status]--;
        counts[status.status]++;
      }
      partitions = LayeredMap.with(carried.summary.partitions, redone);
    } else {
      const computed = new Map<PartitionKey, PartitionStatus>();
      for (const partition of this.graph.get(key).partitions.keys(this.now)) {
        const status = this.partition(key, partition);
        computed.set(partition, status);
        counts[status.status]++;
      }
      partitions = computed;
    }
    const summary = { key, partitions, counts, status: rollupStatus(counts) };
    this.#summaries.set(key, summary);
    return summary;
  }

  #compute(key: AssetKey, partition: PartitionKey): PartitionStatus {
    const asset = this.graph.get(key);
    const state = this.state(key, partition);
    if (asset.kind === "source") return state?.current ? FRESH : NO_DATA;
    // The hot loop of every status request: build the expected input signature straight from
    // the states, without intermediate input objects (see inputSignature for the format).
    const parts: string[] = [];
    let failedUpstreams: { upstream: AssetKey; partition: PartitionKey }[] | undefined;
    const reads = this.graph.upstreamPartitions(key, partition, this.now);
    for (const { edge, partitions } of reads) {
      const upstreamStates = this.states.get(edge.upstream);
      if (upstreamStates === undefined) continue;
      let fields: string[] | undefined;
      for (const upstreamPartition of partitions) {
        const upstreamState = upstreamStates.get(upstreamPartition);
        if (upstreamState === undefined) continue;
        if (upstreamState.current) {
          (fields ??= []).push(inputField(upstreamPartition, upstreamState.current.dataVersion));
        }
        if (this.#ownFailure(edge.upstream, upstreamPartition, upstreamState)) {
          (failedUpstreams ??= []).push({ upstream: edge.upstream, partition: upstreamPartition });
        }
      }
      if (fields) parts.push(signaturePart(edge.upstream, fields));
    }
    return partitionStatus({
      codeVersion: asset.codeVersion,
      freshness: asset.freshness,
      partitions: asset.partitions,
      partition,
      state,
      lease: this.leases.size === 0 ? undefined : this.leases.get(partitionRefKey(key, partition)),
      expectedInputs: parts.join(";") as InputSignature,
      waiting: state?.current ? undefined : this.#waiting(reads),
      isSource: this.#isSource,
      aliasOf: (upstream) =>
        this.graph.upstreamEdges(key).find((edge) => edge.upstream === upstream)?.mapping.alias,
      failedUpstreams: failedUpstreams ?? NO_FAILURES,
      now: this.now,
    });
  }

  /**
   * The waiting cause of a partition never materialized, when none of its upstreams has data
   * for it and none can make it: an upstream with data is current, or can run (it is not
   * waiting itself), so a day that landed makes every layer above it never, not waiting.
   */
  #waiting(reads: readonly UpstreamPartitions[]): WaitingCause | undefined {
    const missing = upstreamWithoutData(this.graph, reads, this.#hasData);
    return missing && this.waitingCause(missing);
  }

  /** The waiting cause naming `missing`, with the source where its data is missing. */
  waitingCause(missing: MissingUpstream): WaitingCause {
    return { kind: "waiting", ...missing, source: this.#sourceOf(missing) };
  }

  readonly #hasData = (key: AssetKey, partition: PartitionKey): boolean => {
    if (this.state(key, partition)?.current !== undefined) return true;
    // A source's data only arrives, and no run makes an alias point anywhere.
    if (this.graph.get(key).kind === "source" || aliasOfPartition(partition) !== undefined) {
      return false;
    }
    return this.partition(key, partition).status !== "waiting";
  };

  /** The source where the missing data should have arrived, following waiting upstreams. */
  #sourceOf(missing: MissingUpstream): AssetKey | undefined {
    if (this.graph.get(missing.upstream).kind === "source") return missing.upstream;
    if (aliasOfPartition(missing.partition) !== undefined) return undefined;
    const cause = this.partition(missing.upstream, missing.partition).causes
      .find((c): c is WaitingCause => c.kind === "waiting");
    return cause?.source;
  }

  /** Whether the partition's own last attempt failed or was abandoned (ignores its upstreams). */
  #ownFailure(key: AssetKey, partition: PartitionKey, state: PartitionState): boolean {
    const attempt = state.lastAttempt;
    if (!attempt || attempt.status === "succeeded") return false;
    if (state.current && attempt.at.getTime() < state.current.at.getTime()) return false;
    if (attempt.status === "failed") return true;
    return attempt.status === "running" && !this.leases.has(partitionRefKey(key, partition));
  }
}

const NO_FAILURES: readonly { upstream: AssetKey; partition: PartitionKey }[] = Object.freeze([]);

/** The leases still live at `now`, keyed by partitionRefKey(). */
export function liveLeases(leases: readonly Lease[], now: Date): Map<string, Lease> {
  const live = new Map<string, Lease>();
  for (const lease of leases) {
    if (lease.expiresAt.getTime() > now.getTime()) {
      live.set(partitionRefKey(lease.assetKey, lease.partition), lease);
    }
  }
  return live;
}
