// Resolves statuses for a whole graph from one read of the store: the partition states and the
// live leases. Everything after that read is pure computation (see staleness.ts).
import type { AssetKey } from "../definitions/asset_key.ts";
import { partitionRefKey } from "../definitions/partition_ref.ts";
import type { AssetGraph } from "../graph/asset_graph.ts";
import type { PartitionKey } from "../partitions/partition_key.ts";
import { partitionStatus } from "./staleness.ts";
import { FRESH, type PartitionStatus, type Status, STATUS_PRECEDENCE } from "./status.ts";
import type { Lease, MetadataStore, PartitionState, StateIndex } from "../store/metadata_store.ts";
import { inputField, type InputSignature, signaturePart } from "../definitions/version.ts";

const NEVER_OBSERVED: PartitionStatus = Object.freeze({
  status: "never",
  causes: Object.freeze([{ kind: "never_materialized" } as const]),
});

export interface AssetStatusSummary {
  readonly key: AssetKey;
  readonly partitions: ReadonlyMap<PartitionKey, PartitionStatus>;
  readonly counts: Readonly<Record<Status, number>>;
  /** The status of the asset as a whole: its most urgent partition's. */
  readonly status: Status;
}

export class StatusResolver {
  readonly #memo = new Map<AssetKey, Map<PartitionKey, PartitionStatus>>();
  readonly #isSource = (key: AssetKey) => this.graph.get(key).kind === "source";

  private constructor(
    readonly graph: AssetGraph,
    readonly states: StateIndex,
    readonly leases: ReadonlyMap<string, Lease>,
    readonly now: Date,
  ) {}

  /** Reads the store once; statuses are then computed on demand. */
  static async load(graph: AssetGraph, store: MetadataStore, now: Date): Promise<StatusResolver> {
    const [states, leases] = await Promise.all([
      store.partitions.loadStates(),
      store.leases.listLeases(),
    ]);
    const live = new Map<string, Lease>();
    for (const lease of leases) {
      if (lease.expiresAt.getTime() > now.getTime()) {
        live.set(partitionRefKey(lease.assetKey, lease.partition), lease);
      }
    }
    return new StatusResolver(graph, states, live, now);
  }

  state(key: AssetKey, partition: PartitionKey): PartitionState | undefined {
    return this.states.get(key)?.get(partition);
  }

  partition(key: AssetKey, partition: PartitionKey): PartitionStatus {
    const memo = this.#memo.get(key)?.get(partition);
    if (memo) return memo;
    const status = this.#compute(key, partition);
    let forAsset = this.#memo.get(key);
    if (!forAsset) this.#memo.set(key, forAsset = new Map());
    forAsset.set(partition, status);
    return status;
  }

  /** Every partition of `key` that exists now, with its status. */
  asset(key: AssetKey): AssetStatusSummary {
    const counts: Record<Status, number> = {
      running: 0,
      failed: 0,
      never: 0,
      stale: 0,
      overdue: 0,
      fresh: 0,
    };
    const partitions = new Map<PartitionKey, PartitionStatus>();
    for (const partition of this.graph.get(key).partitions.keys(this.now)) {
      const status = this.partition(key, partition);
      partitions.set(partition, status);
      counts[status.status]++;
    }
    const status = STATUS_PRECEDENCE.find((s) => counts[s] > 0) ?? "fresh";
    return { key, partitions, counts, status };
  }

  #compute(key: AssetKey, partition: PartitionKey): PartitionStatus {
    const asset = this.graph.get(key);
    const state = this.state(key, partition);
    if (asset.kind === "source") return state?.current ? FRESH : NEVER_OBSERVED;
    // The hot loop of every status request: build the expected input signature straight from
    // the states, without intermediate input objects (see inputSignature for the format).
    const parts: string[] = [];
    let failedUpstreams: { upstream: AssetKey; partition: PartitionKey }[] | undefined;
    for (const { edge, partitions } of this.graph.upstreamPartitions(key, partition, this.now)) {
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
      isSource: this.#isSource,
      aliasOf: (upstream) =>
        this.graph.upstreamEdges(key).find((edge) => edge.upstream === upstream)?.mapping.alias,
      failedUpstreams: failedUpstreams ?? NO_FAILURES,
      now: this.now,
    });
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
