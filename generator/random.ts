// Seeded randomness for the generator: one xoroshiro128+ stream (pure-rand) per purpose,
// so the same seed always yields the same events, byte for byte.
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";

const TWO_POW_32 = 4294967296;

/** Hashes any mix of strings and numbers to a 32-bit seed (FNV-1a), to derive independent streams. */
export function seedOf(...parts: readonly (string | number)[]): number {
  const text = parts.join("|");
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A seeded source of the distributions the generator needs; not safe to share across purposes. */
export class Random {
  readonly #rng: ReturnType<typeof xoroshiro128plus>;

  constructor(seed: number) {
    this.#rng = xoroshiro128plus(seed | 0);
    // xoroshiro's first outputs correlate with nearby seeds; derived seeds are often neighbours.
    for (let i = 0; i < 8; i++) this.#rng.next();
  }

  /** Uniform in [0, 1) with 32 bits of resolution, plenty for synthetic data and twice as cheap as 53. */
  float(): number {
    return (this.#rng.next() >>> 0) / TWO_POW_32;
  }

  /** Uniform integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  /** Uniform real in [min, max). */
  between(min: number, max: number): number {
    return min + this.float() * (max - min);
  }

  chance(probability: number): boolean {
    return this.float() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.float() * items.length)];
  }

  /** Standard normal via Box-Muller. */
  normal(): number {
    const u = 1 - this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.float());
  }

  /** Log-normal around `median` with shape `sigma`. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  exponential(mean: number): number {
    return -Math.log(1 - this.float()) * mean;
  }

  /** `length` lower-case hex characters, for opaque ids. */
  hex(length: number): string {
    let out = "";
    while (out.length < length) {
      out += (this.#rng.next() >>> 0).toString(16).padStart(8, "0");
    }
    return out.slice(0, length);
  }

  /** An opaque id such as `ord_3f9a0c1d2e4b5a69`. */
  id(prefix: string): string {
    return prefix + this.hex(16);
  }
}

/** A fixed categorical distribution, built once and sampled in O(log n). */
export class Weighted<T> {
  readonly #items: readonly T[];
  readonly #cumulative: Float64Array;

  constructor(entries: readonly (readonly [T, number])[]) {
    if (entries.length === 0) throw new RangeError("Cannot build a Weighted table without entries");
    this.#items = entries.map(([item]) => item);
    this.#cumulative = new Float64Array(entries.length);
    let total = 0;
    entries.forEach(([, weight], i) => {
      total += weight;
      this.#cumulative[i] = total;
    });
    for (let i = 0; i < entries.length; i++) this.#cumulative[i] /= total;
  }

  /**
   * A table over every value of a contract enum, in the order written: typed as a Record over
   * the enum, a value the contract adds is a compile error here until it is given a weight.
   */
  static of<T extends string>(weights: Readonly<Record<T, number>>): Weighted<T> {
    return new Weighted(Object.entries(weights) as [T, number][]);
  }

  sample(rng: Random): T {
    const u = rng.float();
    const cumulative = this.#cumulative;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    return this.#items[lo];
  }
}
