// Static partitions: a fixed, ordered list of names (regions, tenants, model variants).
import { DefinitionError, RequestError } from "../errors.ts";
import type { PartitionsDefinition } from "./definition.ts";
import type { PartitionKey } from "./partition_key.ts";

const NAME_PATTERN = /^[A-Za-z0-9_.-]+$/;

export class StaticPartitions implements PartitionsDefinition {
  readonly kind = "static";
  readonly #keys: readonly PartitionKey[];
  readonly #index: ReadonlyMap<string, number>;

  constructor(names: readonly string[]) {
    if (names.length === 0) {
      throw new DefinitionError("Cannot define static partitions with no names: give at least one");
    }
    const index = new Map<string, number>();
    for (const name of names) {
      if (!NAME_PATTERN.test(name)) {
        throw new DefinitionError(
          `Cannot use '${name}' as a static partition: expected letters, digits, '_', '.' or '-'`,
        );
      }
      if (index.has(name)) {
        throw new DefinitionError(`Cannot define static partition '${name}' twice`);
      }
      index.set(name, index.size);
    }
    // A copy: the caller's array may change later, these partitions must not.
    this.#keys = Object.freeze([...names]) as readonly PartitionKey[];
    this.#index = index;
  }

  keys(): readonly PartitionKey[] {
    return this.#keys;
  }

  contains(key: PartitionKey): boolean {
    return this.#index.has(key);
  }

  range(from: PartitionKey, to: PartitionKey): readonly PartitionKey[] {
    const first = this.#require(from);
    const last = this.#require(to);
    if (last < first) {
      throw new RequestError(
        `Cannot select partitions ${from}..${to}: '${to}' comes before '${from}'`,
      );
    }
    return this.#keys.slice(first, last + 1);
  }

  window(): undefined {
    return undefined;
  }

  describe(): string {
    return `static (${this.#keys.join(", ")})`;
  }

  #require(key: PartitionKey): number {
    const at = this.#index.get(key);
    if (at === undefined) {
      throw new RequestError(
        `Cannot select partition '${key}': expected one of ${this.#keys.join(", ")}`,
      );
    }
    return at;
  }
}

/** Static partitions named `names`, in that order. */
export function staticPartitions(names: readonly string[]): StaticPartitions {
  return new StaticPartitions(names);
}
