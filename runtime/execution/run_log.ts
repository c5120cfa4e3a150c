// Buffers a run's log events and writes them to the metadata store in batches, so logging never
// waits on a database round trip per line.
import type { LogEvent, LogSink } from "../logger.ts";
import type { MetadataStore, RunId } from "../store/metadata_store.ts";

export class RunLog {
  #buffer: LogEvent[] = [];
  #flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: MetadataStore,
    private readonly runId: RunId,
    private readonly batchSize = 200,
  ) {}

  readonly sink: LogSink = (event) => {
    this.#buffer.push(event);
    if (this.#buffer.length >= this.batchSize) void this.flush();
  };

  /** Writes what is buffered; flushes run one after another so events keep their order. */
  flush(): Promise<void> {
    const events = this.#buffer;
    this.#buffer = [];
    if (events.length > 0) {
      this.#flushing = this.#flushing.then(() => this.store.runs.appendLogs(this.runId, events));
    }
    return this.#flushing;
  }
}
