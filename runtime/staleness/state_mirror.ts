// Every partition state of one store, kept in memory and brought up to date through the store's
// change feed: after the first read, a status request reads only the partitions written since the
// last one. One mirror per store object, shared by everything in the process that reads statuses
// (materialize's plan, `assets`, the daemon's ticks, the UI).
import type { ChangeMark, MetadataStore, StateIndex } from "../store/metadata_store.ts";
import { LayeredMap } from "./layered_map.ts";

const MIRRORS = new WeakMap<MetadataStore, StateMirror>();

export class StateMirror {
  #states: StateIndex = new Map();
  #mark: ChangeMark | undefined;
  /** The refresh in flight, or the last one: refreshes run one after another. */
  #last: Promise<unknown> = Promise.resolve();
  /** A refresh queued behind the one in flight; callers arriving meanwhile share it. */
  #queued: Promise<StateIndex> | undefined;
  #reads = 0;

  private constructor(private readonly store: MetadataStore) {}

  /** The mirror of `store`, made on first use. */
  static of(store: MetadataStore): StateMirror {
    let mirror = MIRRORS.get(store);
    if (!mirror) MIRRORS.set(store, mirror = new StateMirror(store));
    return mirror;
  }

  /** How many times the store was read (for tests and the bench). */
  get reads(): number {
    return this.#reads;
  }

  /**
   * Every partition state as the store holds it now: the same index as loadStates(), never
   * changed afterwards (a later read returns a new index sharing the assets that did not
   * change, and the same index when nothing changed).
   */
  read(): Promise<StateIndex> {
    // A queued refresh has not begun its read, so it sees everything written before this call.
    if (this.#queued) return this.#queued;
    const queued = this.#last.then(() => {
      this.#queued = undefined;
      return this.#refresh();
    });
    this.#queued = queued;
    this.#last = queued.catch(() => {});
    return queued;
  }

  /**
   * Makes the mirror's first read with `read`, which returns every state and the mark they are
   * at (with more the caller wants from the same statement); undefined, reading nothing, when
   * the mirror has read or begun to read already. A read() meanwhile waits for it.
   */
  seed<T extends { readonly mark: ChangeMark; readonly states: StateIndex }>(
    read: () => Promise<T>,
  ): Promise<T> | undefined {
    if (this.#reads > 0 || this.#queued) return undefined;
    this.#reads++;
    const seeded = read().then((first) => {
      this.#states = first.states;
      this.#mark = first.mark;
      return first;
    });
    // On failure the mark stays unset, so the next read() reads every state itself.
    this.#last = seeded.catch(() => {});
    return seeded;
  }

  async #refresh(): Promise<StateIndex> {
    this.#reads++;
    const changes = await this.store.changes.statesSince(this.#mark);
    this.#states = this.#mark === undefined ? changes.states : merged(this.#states, changes.states);
    this.#mark = changes.mark;
    return this.#states;
  }
}

/**
 * `states` with `changes` applied: a changed asset's partitions become a layer over its previous
 * map (layered_map.ts), so a commit to one partition copies that partition, not the asset.
 */
function merged(states: StateIndex, changes: StateIndex): StateIndex {
  if (changes.size === 0) return states;
  const next = new Map(states);
  for (const [key, changed] of changes) {
    const before = states.get(key);
    next.set(key, before === undefined ? changed : LayeredMap.with(before, changed));
  }
  return next;
}
