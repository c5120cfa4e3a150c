// One asset's partition states as the server packed them (packed_states.ts), unpacked only when
// first iterated or asked for many: a full read of 365,000 states spends more unpacking them than
// reading them, and a status read that starts from persisted statuses asks for few assets'
// states, often one partition of a large one (a commit to it), found in the text without
// unpacking the rest.
import type { PartitionKey } from "../../partitions/partition_key.ts";
import type { PartitionState } from "../partition_store.ts";
import { type PackedRow, unpackStates } from "./packed_states.ts";

const FIELD = "\x1f";
const RECORD = "\x1e";
/**
 * Partitions looked up in the packed text before it is unpacked whole: each lookup scans the
 * text, so many of them cost more than one unpacking.
 */
const POINT_LOOKUPS = 16;

export class LazyPackedStates implements ReadonlyMap<PartitionKey, PartitionState> {
  #row: PackedRow | undefined;
  #extra: [PartitionKey, PartitionState][];
  #map: Map<PartitionKey, PartitionState> | undefined;
  /** States looked up before the whole unpacking, kept so each is one object throughout. */
  readonly #points = new Map<PartitionKey, PartitionState | undefined>();

  /** The states of `row` (none without it), then `extra` (an asset's aliases) set over them. */
  constructor(row: PackedRow | undefined, extra: [PartitionKey, PartitionState][] = []) {
    this.#row = row;
    this.#extra = extra;
  }

  /** Adds an entry before the map is first read (the reader's alias rows come after). */
  add(partition: PartitionKey, state: PartitionState): void {
    if (this.#map) this.#map.set(partition, state);
    else this.#extra.push([partition, state]);
  }

  #unpacked(): Map<PartitionKey, PartitionState> {
    if (this.#map) return this.#map;
    const map = this.#row ? unpackStates(this.#row) : new Map<PartitionKey, PartitionState>();
    for (const [partition, state] of this.#extra) map.set(partition, state);
    // The same objects as the lookups returned: status caches compare states by identity.
    for (const [partition, state] of this.#points) if (state) map.set(partition, state);
    this.#points.clear();
    // The packed text can be large (a 100,000-partition asset's is megabytes): let it go.
    this.#row = undefined;
    this.#extra = [];
    return this.#map = map;
  }

  get size(): number {
    return this.#unpacked().size;
  }

  get(partition: PartitionKey): PartitionState | undefined {
    if (this.#map) return this.#map.get(partition);
    if (this.#points.has(partition)) return this.#points.get(partition);
    if (this.#points.size >= POINT_LOOKUPS) return this.#unpacked().get(partition);
    const state = this.#find(partition);
    this.#points.set(partition, state);
    return state;
  }

  has(partition: PartitionKey): boolean {
    return this.get(partition) !== undefined;
  }

  /** The state of one partition, from the extra entries or found in the packed text. */
  #find(partition: PartitionKey): PartitionState | undefined {
    for (let i = this.#extra.length - 1; i >= 0; i--) {
      if (this.#extra[i][0] === partition) return this.#extra[i][1];
    }
    const text = this.#row?.states;
    if (text === undefined) return undefined;
    // A record starts the text or follows a record separator; its first field is the key,
    // which holds no separator (assertPackable).
    let start = 0;
    if (!text.startsWith(partition + FIELD)) {
      start = text.indexOf(RECORD + partition + FIELD) + 1;
      if (start === 0) return undefined;
    }
    const end = text.indexOf(RECORD, start);
    const record = text.slice(start, end < 0 ? undefined : end);
    return unpackStates({ asset_key: this.#row!.asset_key, states: record }).get(partition);
  }

  entries(): MapIterator<[PartitionKey, PartitionState]> {
    return this.#unpacked().entries();
  }

  keys(): MapIterator<PartitionKey> {
    return this.#unpacked().keys();
  }

  values(): MapIterator<PartitionState> {
    return this.#unpacked().values();
  }

  [Symbol.iterator](): MapIterator<[PartitionKey, PartitionState]> {
    return this.entries();
  }

  forEach(
    callback: (
      value: PartitionState,
      key: PartitionKey,
      map: ReadonlyMap<PartitionKey, PartitionState>,
    ) => void,
    thisArg?: unknown,
  ): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }
}
