// The ingester's background compaction: a day whose bronze part set has grown past a threshold is
// merged into one part, one day at a time, off the consuming path. A request for a day already
// waiting is dropped: that compaction will take the newer parts too.
import type { Topic } from "../../contracts/events/mod.ts";
import type { Clock } from "../../runtime/clock.ts";
import { errorMessage } from "../../runtime/errors.ts";
import type { Lake } from "../../runtime/definitions/lake.ts";
import type { Logger } from "../../runtime/logger.ts";
import type { PartitionKey } from "../../runtime/partitions/partition_key.ts";
import type { PartitionStore } from "../../runtime/store/partition_store.ts";
import { openDuckDb } from "../../resources/duckdb/duckdb.ts";
import { type BronzeTarget, compactDay } from "./bronze_parts.ts";

export interface DayCompactorOptions {
  readonly partitions: PartitionStore;
  readonly lake: Lake;
  readonly target: BronzeTarget;
  readonly log: Logger;
  readonly clock?: Clock;
}

export class DayCompactor {
  #waiting = new Map<string, { topic: Topic; day: PartitionKey }>();
  #running: Promise<void> = Promise.resolve();
  #compacted = 0;

  constructor(private readonly options: DayCompactorOptions) {}

  /** Days compacted so far. */
  get compacted(): number {
    return this.#compacted;
  }

  /** Queues a compaction of `topic`'s bronze `day`. */
  request(topic: Topic, day: PartitionKey): void {
    const id = `${topic}/${day}`;
    if (this.#waiting.has(id)) return;
    this.#waiting.set(id, { topic, day });
    this.#running = this.#running.then(() => this.#run(id));
  }

  /** Resolves once every queued compaction has finished. */
  async drain(): Promise<void> {
    await this.#running;
  }

  async #run(id: string): Promise<void> {
    const job = this.#waiting.get(id);
    this.#waiting.delete(id);
    if (job === undefined) return;
    // Its own DuckDB: the consuming path keeps writing segments meanwhile.
    const duckdb = await openDuckDb({ threads: 1 });
    try {
      const outcome = await compactDay({ ...this.options, duckdb, ...job });
      if (outcome === "compacted") this.#compacted++;
    } catch (error) {
      // The parts stay as they are; a later append asks again.
      this.options.log.warn(`cannot compact bronze ${id}: ${errorMessage(error)}`);
    } finally {
      duckdb.close();
    }
  }
}
