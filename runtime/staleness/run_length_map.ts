// A read-only map over an ordered list of keys whose values come in runs of one value, stored as
// the runs: a persisted asset's statuses (status_snapshot.ts) decode into one without a map entry
// per partition, which made decoding 100,000 partitions cost 120 ms. Lookups binary-search keys
// that are in sorted order (days are) and build an index of the others on the first lookup.

export class RunLengthMap<K extends string, V> implements ReadonlyMap<K, V> {
  #index: Map<K, number> | undefined;
  readonly #sorted: boolean;

  /**
   * `ends[i]` is the position after the last key of run i, whose value is `values[i]`; the last
   * end is `keys.length`. None of them is changed afterwards.
   */
  constructor(
    private readonly orderedKeys: readonly K[],
    private readonly ends: readonly number[],
    private readonly runValues: readonly V[],
  ) {
    let sorted = true;
    for (let i = 1; sorted && i < orderedKeys.length; i++) {
      sorted = orderedKeys[i - 1] < orderedKeys[i];
    }
    this.#sorted = sorted;
  }

  get size(): number {
    return this.orderedKeys.length;
  }

  get(key: K): V | undefined {
    const position = this.#position(key);
    return position === undefined ? undefined : this.runValues[this.#runAt(position)];
  }

  has(key: K): boolean {
    return this.#position(key) !== undefined;
  }

  *entries(): MapIterator<[K, V]> {
    let run = 0;
    for (let i = 0; i < this.orderedKeys.length; i++) {
      while (i >= this.ends[run]) run++;
      yield [this.orderedKeys[i], this.runValues[run]];
    }
  }

  *keys(): MapIterator<K> {
    yield* this.orderedKeys;
  }

  *values(): MapIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  forEach(callback: (value: V, key: K, map: ReadonlyMap<K, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }

  #position(key: K): number | undefined {
    const keys = this.orderedKeys;
    if (!this.#sorted) {
      if (!this.#index) this.#index = new Map(keys.map((k, i) => [k, i]));
      return this.#index.get(key);
    }
    let low = 0;
    let high = keys.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      if (keys[mid] === key) return mid;
      if (keys[mid] < key) low = mid + 1;
      else high = mid - 1;
    }
    return undefined;
  }

  /** The run holding the key at `position`: the first whose end is past it. */
  #runAt(position: number): number {
    let low = 0;
    let high = this.ends.length - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.ends[mid] > position) high = mid;
      else low = mid + 1;
    }
    return low;
  }
}
