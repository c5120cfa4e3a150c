// The store's answers about the run queue: run requests (what to run, asked by whom), the
// daemons that claim and run them, and what happens to a dead daemon's requests. Any number of
// daemons share it; a request is claimed by one (FOR UPDATE SKIP LOCKED).
import type { RunId } from "./ids.ts";
import type { RunRecord, RunStatus } from "./run_store.ts";

/** The queue's id of a request, a decimal number (`runs cancel 42`). */
export type RunRequestId = string & { readonly __brand: "RunRequestId" };
/** A daemon's id: host, pid and a random suffix. */
export type DaemonId = string & { readonly __brand: "DaemonId" };

/**
 * The id prefix of a process that is not a daemon but runs requests it claimed in place (the UI
 * with no live daemon): registered and reaped like a daemon, never counted as a live daemon.
 */
export const IN_PLACE_CLAIMER_PREFIX = "in-place:";

export type RunRequestKind = "materialize" | "vacuum";
export type RunOrigin = "schedule" | "sensor" | "automation" | "ui" | "cli";
export type RunRequestStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled";

export const RUN_REQUEST_KINDS: readonly RunRequestKind[] = ["materialize", "vacuum"];
export const RUN_ORIGINS: readonly RunOrigin[] = ["schedule", "sensor", "automation", "ui", "cli"];
export const RUN_REQUEST_STATUSES: readonly RunRequestStatus[] = [
  "queued",
  "running",
  "succeeded",
  "failed",
  "cancelled",
];

/** Every status a run in the store can have (a request's run, or one no request started). */
export const RUN_STATUSES: readonly RunStatus[] = [
  "running",
  "succeeded",
  "failed",
  "cancelled",
  "abandoned",
];

export interface NewRunRequest {
  /** Unique: a second enqueue with the same key is a no-op returning the existing id. */
  readonly runKey?: string;
  readonly kind: RunRequestKind;
  /** Selection text as `materialize` takes it; empty selects every asset. */
  readonly selection: string;
  /** `2026-11-01` or `2026-11-01..2026-11-07`; absent: every partition. */
  readonly partitions?: string;
  readonly force?: boolean;
  readonly tags: Readonly<Record<string, string>>;
  readonly origin: RunOrigin;
  /** The schedule or sensor that asked for it. */
  readonly originName?: string;
  /** When the tick or evaluation that asked for it was due, for tick-to-start latency. */
  readonly dueAt?: Date;
}

export interface RunRequestRecord {
  readonly id: RunRequestId;
  readonly runKey: string | undefined;
  readonly kind: RunRequestKind;
  readonly selection: string;
  readonly partitions: string | undefined;
  readonly force: boolean;
  readonly tags: Readonly<Record<string, string>>;
  readonly origin: RunOrigin;
  readonly originName: string | undefined;
  readonly status: RunRequestStatus;
  readonly cancelRequested: boolean;
  readonly createdAt: Date;
  readonly dueAt: Date | undefined;
  readonly claimedAt: Date | undefined;
  readonly finishedAt: Date | undefined;
  readonly daemonId: DaemonId | undefined;
  /** Who runs it: a daemon id, or the process that ran it in place (`ui@host:pid`). */
  readonly claimedBy: string | undefined;
  /** The runtime run of its latest attempt (none while queued, or when nothing was stale). */
  readonly runId: RunId | undefined;
  /** Every run it was given, oldest first (a re-queued request has more than one). */
  readonly runIds: readonly RunId[];
  readonly claims: number;
  readonly requeues: number;
  /** Why it ended as it did, or why it went back to the queue. */
  readonly message: string | undefined;
}

export interface RunRequestFilter {
  readonly statuses?: readonly RunRequestStatus[];
  readonly origin?: RunOrigin;
  readonly originName?: string;
  readonly daemonId?: DaemonId;
  /** Newest first; 50 by default. */
  readonly limit?: number;
}

/** Which runs outside the queue to list. */
export interface OutsideRunFilter {
  readonly statuses?: readonly RunStatus[];
  /** Newest first; 50 by default. */
  readonly limit?: number;
}

/** A limit on running requests that carry a tag (`warehouse` any value, or `pool=gpu`). */
export interface TagLimit {
  readonly key: string;
  /** Undefined: every value of the tag counts. */
  readonly value?: string;
  readonly limit: number;
}

export type DaemonStatus = "running" | "stopping" | "stopped" | "dead";

export interface NewDaemon {
  readonly id: DaemonId;
  readonly host: string;
  readonly pid: number;
  readonly processStart: string | undefined;
  readonly processScope: string | undefined;
  /** Without a heartbeat for this long the daemon counts as dead. */
  readonly ttlMs: number;
  readonly maxRuns: number;
}

export interface DaemonRecord extends NewDaemon {
  readonly status: DaemonStatus;
  readonly startedAt: Date;
  readonly heartbeatAt: Date;
  /** Its heartbeat is older than its TTL, by the database's clock. */
  readonly lapsed: boolean;
  readonly stoppedAt: Date | undefined;
  readonly note: string | undefined;
}

/** What a heartbeat learnt: whether this daemon still counts as alive, and what to cancel. */
export type HeartbeatResult =
  | { readonly alive: true; readonly cancelRequested: readonly RunRequestId[] }
  /** Another daemon declared it dead (a long pause): its requests went back to the queue. */
  | { readonly alive: false };

/** A request of a dead or stopped daemon, dealt with by the reaper. */
export interface ReapedRequest {
  readonly id: RunRequestId;
  readonly daemonId: DaemonId;
  readonly runId: RunId | undefined;
  /** `queued` again, or `failed` once it has been re-queued as often as allowed. */
  readonly status: "queued" | "failed";
  readonly leasesFreed: number;
}

export interface QueueDepth {
  readonly queued: number;
  readonly running: number;
}

export interface RunQueueStore {
  /** Adds requests in order; returns one id per request (an existing one for a known run key). */
  enqueue(requests: readonly NewRunRequest[]): Promise<RunRequestId[]>;
  get(id: RunRequestId): Promise<RunRequestRecord | undefined>;
  list(filter?: RunRequestFilter): Promise<readonly RunRequestRecord[]>;
  depth(): Promise<QueueDepth>;
  /**
   * The queue's history beside it: runs recorded in the store that no request started (a
   * `deno task materialize`, an `ingest`), newest first.
   */
  listRunsOutsideQueue(filter?: OutsideRunFilter): Promise<readonly RunRecord[]>;
  /**
   * Queued → cancelled at once; running → cancel requested, and the process running it aborts
   * it. False when the request had already ended (or was already being cancelled).
   */
  cancel(id: RunRequestId): Promise<boolean>;

  /** Daemons whose heartbeat is within their TTL (not in-place claimers: they take no queue). */
  liveDaemons(): Promise<DaemonRecord[]>;
  /** Every daemon known, newest first (for `runs --daemons`). */
  listDaemons(limit: number): Promise<readonly DaemonRecord[]>;
  registerDaemon(daemon: NewDaemon): Promise<void>;
  heartbeat(id: DaemonId): Promise<HeartbeatResult>;
  /** Marks the daemon stopped (graceful exit) or stopping (no more claims). */
  setDaemonStatus(id: DaemonId, status: "stopping" | "stopped", note?: string): Promise<void>;
  /**
   * Daemons whose heartbeat lapsed, or that `isDead` says are gone, become `dead`; then every
   * running request of a dead daemon goes back to the queue if it was re-queued fewer than
   * `requeueLimit` times (else it fails), and the leases of its run are freed. Idempotent.
   */
  reapDeadDaemons(
    options: {
      readonly requeueLimit: number;
      readonly isDead?: (daemon: DaemonRecord) => string | undefined;
    },
  ): Promise<readonly ReapedRequest[]>;

  /**
   * Claims the oldest queued request `daemonId` may take under `tagLimits` (counted over every
   * daemon's running requests); undefined when none is eligible.
   */
  claim(
    daemonId: DaemonId,
    tagLimits: readonly TagLimit[],
  ): Promise<RunRequestRecord | undefined>;
  /**
   * Claims one queued request for a process that runs it in place (no daemon). With `claimer`,
   * a registered in-place claimer (IN_PLACE_CLAIMER_PREFIX) that heartbeats, the request is
   * its like a daemon's: re-queued once and its leases freed when the claimer dies.
   */
  claimInPlace(
    id: RunRequestId,
    claimedBy: string,
    claimer?: DaemonId,
  ): Promise<RunRequestRecord | undefined>;
  /** Links the runtime run an attempt started; false if `claimedBy` no longer holds it. */
  attachRun(id: RunRequestId, claimedBy: string, runId: RunId): Promise<boolean>;
  /** Ends a running request; false if `claimedBy` no longer holds it (it was re-queued). */
  finish(
    id: RunRequestId,
    claimedBy: string,
    status: "succeeded" | "failed" | "cancelled",
    message: string | undefined,
  ): Promise<boolean>;
  /** Puts a running request back in the queue (its daemon is shutting down). */
  release(id: RunRequestId, claimedBy: string, message: string): Promise<boolean>;
  /**
   * Deletes requests that ended before `cutoff`, and daemons stopped or dead before it that no
   * remaining request names; with `dryRun` counts them and changes nothing.
   */
  trim(cutoff: Date, dryRun: boolean): Promise<QueueTrim>;
}

export interface QueueTrim {
  readonly run_requests: number;
  readonly daemons: number;
}
