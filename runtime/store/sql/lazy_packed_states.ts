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
  #size: number | undefined;

  /** The states of `row` (none without it), then `extra` (an asset's aliases) set over them. */
  constructor(row: PackedRow | undefined, extra: [PartitionKey, PartitionState][] = []) {
    this.#row = row;
    this.#extra = extra;
  }

  /** Adds an entry before the map is first read (the reader's alias rows come after). */
  add(partition: PartitionKey, state: PartitionState): void {
    this.#size = undefined;
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

  /** Counted in the packed text: a layer over a large asset asks its size (layered_map.ts). */
  get size(): number {
    if (this.#map) return this.#map.size;
    if (this.#size !== undefined) return this.#size;
    const text = this.#row?.states;
    let size = 0;
    if (text !== undefined) {
      size = 1;
      for (let at = text.indexOf(RECORD); at >= 0; at = text.indexOf(RECORD, at + 1)) size++;
    }
    const extra = new Set<PartitionKey>();
    for (const [partition] of this.#extra) {
      if (!extra.has(partition) && !this.#inText(partition)) extra.add(partition);
    }
    return this.#size = size + extra.size;
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

  /** Where the record of `partition` starts in the packed text, if it is there. */
  #inText(partition: PartitionKey): number | undefined {
    const text = this.#row?.states;
    if (text === undefined) return undefined;
    // A record starts the text or follows a record separator; its first field is the key,
    // which holds no separator (assertPackable).
    if (text.startsWith(partition + FIELD)) return 0;
    const at = text.indexOf(RECORD + partition + FIELD);
    return at < 0 ? undefined : at + 1;
  }

  /** The state of one partition, from the extra entries or found in the packed text. */
  #find(partition: PartitionKey): PartitionState | undefined {
    for (let i = this.#extra.length - 1; i >= 0; i--) {
      if (this.#extra[i][0] === partition) return this.#extra[i][1];
    }
    const start = this.#inText(partition);
    if (start === undefined) return undefined;
    const text = this.#row!.states;
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
