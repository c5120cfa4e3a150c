// A process that is not a daemon but runs queued requests itself (the UI when no daemon is live)
// claims them as a registered claimer: it heartbeats and reaps like a daemon, so when it dies
// mid-run whoever looks next (a daemon, another claimer) re-queues its request once and frees
// its run's leases, exactly as for a dead daemon. It registers on its first claim.
import type { Clock } from "../clock.ts";
import { errorMessage } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { currentProcess } from "../process_identity.ts";
import type {
  DaemonId,
  DaemonRecord,
  MetadataStore,
  RunRequestId,
  RunRequestRecord,
} from "../store/metadata_store.ts";
import { IN_PLACE_CLAIMER_PREFIX } from "../store/run_queue_store.ts";
import { processGone, reapDeadDaemons } from "./dead_daemon_reaper.ts";

export interface InPlaceClaimerOptions {
  readonly store: MetadataStore;
  readonly log: Logger;
  readonly clock: Clock;
  /** Who claims, e.g. `ui`: the id is `in-place:ui@host:pid:xxxx`. */
  readonly name: string;
  /** Without a heartbeat for this long it counts as dead; it beats every third of it. */
  readonly ttlMs: number;
  /** Times a dead claimer's (or daemon's) request goes back to the queue. */
  readonly requeueLimit: number;
  /** Why a claimer or daemon whose heartbeat has not lapsed is dead anyway (default: its process is gone). */
  readonly isDead?: (daemon: DaemonRecord) => string | undefined;
  /** Another process declared this one dead (a pause past its TTL): its requests were re-queued. */
  readonly onDeclaredDead?: () => void;
  /**
   * Heartbeat every third of the TTL on `clock` once registered (default true); false leaves
   * heartbeat() to the caller (a test on a fake clock, whose sleeps move time).
   */
  readonly beatInBackground?: boolean;
}

export class InPlaceClaimer {
  readonly #options: InPlaceClaimerOptions;
  #id: DaemonId;
  #registered: Promise<void> | undefined;
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;

  constructor(options: InPlaceClaimerOptions) {
    this.#options = options;
    this.#id = newClaimerId(options.name);
  }

  /** Its id in platform.daemons, and who a request it claimed is `claimed_by`. */
  get id(): DaemonId {
    return this.#id;
  }

  /** Claims a queued request to run in this process; undefined when someone else has it. */
  async claim(id: RunRequestId): Promise<RunRequestRecord | undefined> {
    if (this.#stop.signal.aborted) return undefined;
    await this.#register();
    return await this.#options.store.queue.claimInPlace(id, this.#id, this.#id);
  }

  /** Proves this process alive, starts afresh if it was declared dead, and reaps the dead. */
  async heartbeat(): Promise<void> {
    const { store, log, clock } = this.#options;
    const result = await store.queue.heartbeat(this.#id);
    if (!result.alive) {
      log.error(
        `${this.#id} was declared dead (a pause longer than its ${this.#options.ttlMs} ms TTL?): ` +
          "its requests were re-queued; registering again",
      );
      this.#options.onDeclaredDead?.();
      this.#id = newClaimerId(this.#options.name);
      this.#registered = undefined;
      await this.#register();
    }
    await reapDeadDaemons(store, {
      requeueLimit: this.#options.requeueLimit,
      isDead: this.#options.isDead ?? processGone,
      log,
      at: clock.now(),
      noticedBy: this.#id,
    });
  }

  /** Stops heartbeating and records it stopped (after its runs ended). */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
    if (this.#registered === undefined) return;
    await this.#registered.catch(() => {});
    await this.#options.store.queue.setDaemonStatus(this.#id, "stopped", "its process stopped");
  }

  #register(): Promise<void> {
    this.#registered ??= (async () => {
      const process = currentProcess();
      await this.#options.store.queue.registerDaemon({
        id: this.#id,
        host: process.host,
        pid: process.pid,
        processStart: process.start,
        processScope: process.scope,
        ttlMs: this.#options.ttlMs,
        // Never used to claim from the queue; the column counts runs a daemon may take.
        maxRuns: 1,
      });
      if (this.#options.beatInBackground ?? true) this.#loop ??= this.#beat();
    })();
    return this.#registered;
  }

  async #beat(): Promise<void> {
    const every = Math.max(100, Math.floor(this.#options.ttlMs / 3));
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      await this.#options.clock.sleep(every, signal).catch(() => {});
      if (signal.aborted) return;
      try {
        await this.heartbeat();
      } catch (error) {
        this.#options.log.error(`${this.#id} heartbeat: ${errorMessage(error)}`);
      }
    }
  }
}

function newClaimerId(name: string): DaemonId {
  const suffix = crypto.randomUUID().slice(0, 4);
  return `${IN_PLACE_CLAIMER_PREFIX}${name}@${Deno.hostname()}:${Deno.pid}:${suffix}` as DaemonId;
}
