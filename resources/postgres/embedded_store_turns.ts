// The embedded store (PGlite) taken by turns, for a long-running reader such as serve. PGlite
// lets one process at a time open its data dir, so the reader opens it only to read and closes
// it at once, and watches the store's lock to read again after another process's turn (only a
// process holding the lock can have changed the store).
import type { MetadataStore } from "../../runtime/store/metadata_store.ts";
import { isProcessAlive, lockPathFor, readLock } from "./embedded_lock.ts";
import { openMetadataStore } from "./open_metadata_store.ts";

/**
 * How often the lock file is read. A turn is longer than this: opening PGlite alone takes
 * 0.4-1.8 s on this project's machine, so no turn starts and ends between two looks.
 */
export const LOCK_POLL_MS = 100;

export interface EmbeddedStoreTurnsOptions {
  /** The PGlite data dir, e.g. `.sluice/pg`. */
  readonly dataDir: string;
  readonly lockPollMs?: number;
  /** Tells whether a pid is alive; injected by tests. */
  readonly isAlive?: (pid: number) => boolean;
}

export class EmbeddedStoreTurns {
  readonly dataDir: string;
  readonly #lockPath: string;
  readonly #pollMs: number;
  readonly #isAlive: (pid: number) => boolean;
  /** Reads take turns within this process too: a second open would find our own lock. */
  #reads: Promise<unknown> = Promise.resolve();
  /** The lock text of another live process seen at the last look, if any. */
  #otherTurn: string | undefined;
  readonly #watchers = new Set<() => void>();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: EmbeddedStoreTurnsOptions) {
    this.dataDir = options.dataDir;
    this.#lockPath = lockPathFor(options.dataDir);
    this.#pollMs = options.lockPollMs ?? LOCK_POLL_MS;
    this.#isAlive = options.isAlive ?? isProcessAlive;
  }

  /**
   * Opens the store (migrated), runs `read` and closes it again. It does not wait for another
   * process: while one holds the store this rejects with EmbeddedStoreBusyError, and the end of
   * that turn is signalled to the watchers.
   */
  read<T>(read: (store: MetadataStore) => Promise<T>): Promise<T> {
    const turn = this.#reads.then(async () => {
      const store = await openMetadataStore({
        embeddedDir: this.dataDir,
        embeddedLock: { waitMs: 0 },
      });
      try {
        return await read(store);
      } finally {
        await store.close();
      }
    });
    this.#reads = turn.catch(() => undefined);
    return turn;
  }

  /** Calls `onTurnEnded` each time another process has held the store and let it go. */
  watchOtherTurns(onTurnEnded: () => void): () => void {
    const watcher = () => onTurnEnded();
    this.#watchers.add(watcher);
    if (this.#timer === undefined) {
      // A look that fails (the file replaced while read) is simply made again at the next tick.
      this.#timer = setInterval(() => this.lookAtLock().catch(() => false), this.#pollMs);
      Deno.unrefTimer(this.#timer);
    }
    return () => {
      this.#watchers.delete(watcher);
      if (this.#watchers.size === 0) this.#stop();
    };
  }

  /**
   * Reads the lock once; when another live process held it at the last look and no longer
   * does (released, or dead mid-turn), notifies the watchers. Returns whether it did.
   */
  async lookAtLock(): Promise<boolean> {
    const lock = await readLock(this.#lockPath);
    const pid = lock?.holder?.pid;
    const otherTurn = lock !== undefined && pid !== Deno.pid &&
        (pid === undefined || this.#isAlive(pid))
      ? lock.text
      : undefined;
    const ended = this.#otherTurn !== undefined && this.#otherTurn !== otherTurn;
    this.#otherTurn = otherTurn;
    if (ended) { for (const watcher of [...this.#watchers]) watcher(); }
    return ended;
  }

  #stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
