// A read-only map made of a shared base and a small layer of changes over it, so a status read
// after a commit to one partition of a 100,000-partition asset copies what changed, not the
// asset's whole map. Both the base and the layer are never changed once built.

/**
 * The layer is folded into a new flat map once it holds more than this share of the base (or a
 * few entries of a small one): copying the layer on each change then costs at most that share,
 * and the fold, a full copy, comes once every that-many changes.
 */
const FOLD_SHARE = 16;
const FOLD_MIN = 64;

export class LayeredMap<K, V> implements ReadonlyMap<K, V> {
  readonly #added: number;

  private constructor(
    /** The flat map under the layer, shared by every LayeredMap built on it. */
    readonly base: ReadonlyMap<K, V>,
    /** The entries that differ from the base (changed values or new keys). */
    readonly layer: ReadonlyMap<K, V>,
  ) {
    let added = 0;
    for (const key of layer.keys()) if (!base.has(key)) added++;
    this.#added = added;
  }

  /**
   * `map` with `changes` set (in their order, after the keys `map` holds); `map` itself is left
   * as it is and must not change afterwards. The result shares `map`'s base when it has one.
   */
  static with<K, V>(map: ReadonlyMap<K, V>, changes: ReadonlyMap<K, V>): ReadonlyMap<K, V> {
    if (changes.size === 0) return map;
    const base = map instanceof LayeredMap ? map.base : map;
    const layer = new Map(map instanceof LayeredMap ? map.layer : []);
    for (const [key, value] of changes) layer.set(key, value);
    if (layer.size > Math.max(FOLD_MIN, base.size / FOLD_SHARE)) {
      const flat = new Map(base);
      for (const [key, value] of layer) flat.set(key, value);
      return flat;
    }
    return new LayeredMap(base, layer);
  }

  /**
   * The keys whose values may differ between `before` and `after` when one was built from the
   * other or both from the same base (the keys of their layers); undefined when they share
   * nothing, and every key has to be compared.
   */
  static candidateChanges<K, V>(
    before: ReadonlyMap<K, V> | undefined,
    after: ReadonlyMap<K, V> | undefined,
  ): Iterable<K> | undefined {
    if (!(after instanceof LayeredMap)) return undefined;
    if (after.base === before) return after.layer.keys();
    if (!(before instanceof LayeredMap) || before.base !== after.base) return undefined;
    return new Set([...before.layer.keys(), ...after.layer.keys()]);
  }

  get size(): number {
    return this.base.size + this.#added;
  }

  get(key: K): V | undefined {
    const value = this.layer.get(key);
    return value !== undefined || this.layer.has(key) ? value : this.base.get(key);
  }

  has(key: K): boolean {
    return this.layer.has(key) || this.base.has(key);
  }

  /** The base's entries in its order, with the layer's values, then the layer's new keys. */
  *entries(): MapIterator<[K, V]> {
    for (const [key, value] of this.base) {
      yield [key, this.layer.has(key) ? this.layer.get(key)! : value];
    }
    for (const [key, value] of this.layer) if (!this.base.has(key)) yield [key, value];
  }

  *keys(): MapIterator<K> {
    for (const [key] of this.entries()) yield key;
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
}
