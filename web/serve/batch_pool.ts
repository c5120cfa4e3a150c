// A pool of workers that answer batch requests on the other cores: each worker holds its own
// onnxruntime session of every model being served and runs a batch from its bytes to its
// answer (decode, parse, read rows, score, write the body), so the event loop only moves bytes.
// A model is opened on every worker before it is served and closed on every worker when its
// last lease ends, so a batch finishes on the model its request leased.
import { ApiError } from "./api_error.ts";
import type {
  BatchSessions,
  PooledAnswer,
  PooledBatches,
  PoolReply,
  PoolRequest,
} from "./batch_messages.ts";

interface PoolWorker {
  readonly worker: Worker;
  inFlight: number;
}

interface Waiter {
  readonly resolve: (reply: PoolReply) => void;
  readonly reject: (error: Error) => void;
  readonly worker: PoolWorker;
}

/** Thrown when a worker fails outside a request's own errors. */
export class BatchPoolError extends Error {
  override readonly name = "BatchPoolError";
}

export class BatchPool implements BatchSessions {
  readonly #workers: PoolWorker[];
  readonly #waiters = new Map<number, Waiter>();
  #jobs = 0;
  #models = 0;
  readonly #open = new Set<number>();
  #closed = false;

  /** Starts `size` workers (at least 1). */
  constructor(size: number) {
    this.#workers = Array.from({ length: Math.max(1, size) }, () => {
      const worker = new Worker(new URL("./batch_worker.ts", import.meta.url), {
        type: "module",
      });
      const entry: PoolWorker = { worker, inFlight: 0 };
      worker.onmessage = (event: MessageEvent<PoolReply>) => this.#settle(event.data);
      worker.onerror = (event) => {
        event.preventDefault();
        this.#failWorker(entry, new BatchPoolError(`A batch worker failed: ${event.message}`));
      };
      return entry;
    });
  }

  get size(): number {
    return this.#workers.length;
  }

  /** Models open on the workers: the one served and replaced ones with batches still leased. */
  get openModels(): number {
    return this.#open.size;
  }

  /**
   * Opens the serving graph on every worker (each builds its session and scores a warm-up
   * row); the handle answers batches on it until it is closed.
   */
  async open(graph: Uint8Array, features: number): Promise<PooledModel> {
    const model = ++this.#models;
    await Promise.all(
      this.#workers.map((worker) =>
        this.#send(worker, (job) => ({
          kind: "open",
          job,
          model,
          graph,
          features,
        }))
      ),
    );
    this.#open.add(model);
    return new PooledModel(this, model);
  }

  /** Answers a batch body on the least busy worker. */
  async answer(
    model: number,
    bytes: Uint8Array,
    version: string,
    threshold: number,
    elapsedMs: number,
  ): Promise<PooledAnswer> {
    let worker = this.#workers[0];
    for (const candidate of this.#workers) {
      if (candidate.inFlight < worker.inFlight) worker = candidate;
    }
    const reply = await this.#send(
      worker,
      (job) => ({ kind: "answer", job, model, bytes, version, threshold, elapsedMs }),
      // The body is not needed here once sent: move it instead of copying it.
      bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
        ? [bytes.buffer as ArrayBuffer]
        : [],
    );
    if (reply.kind === "answer") return reply;
    if (reply.kind === "api_error") {
      throw new ApiError(reply.status, reply.code, reply.message, reply.detail);
    }
    throw new BatchPoolError(
      reply.kind === "failed" ? reply.message : `A batch worker answered ${reply.kind}`,
    );
  }

  /** Closes the model on every worker; no batch of it may be in flight. */
  async closeModel(model: number): Promise<void> {
    this.#open.delete(model);
    if (this.#closed) return;
    await Promise.all(
      this.#workers.map((worker) => this.#send(worker, (job) => ({ kind: "close", job, model }))),
    );
  }

  /** Stops the workers; requests still waiting fail. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const entry of this.#workers) {
      entry.worker.terminate();
      this.#failWorker(entry, new BatchPoolError("The batch pool is closed"));
    }
  }

  #send(
    worker: PoolWorker,
    message: (job: number) => PoolRequest,
    transfer: Transferable[] = [],
  ): Promise<PoolReply> {
    if (this.#closed) {
      return Promise.reject(new BatchPoolError("Cannot answer as the batch pool is closed"));
    }
    const job = ++this.#jobs;
    worker.inFlight++;
    return new Promise<PoolReply>((resolve, reject) => {
      this.#waiters.set(job, { resolve, reject, worker });
      worker.worker.postMessage(message(job), transfer);
    });
  }

  #settle(reply: PoolReply): void {
    const waiter = this.#waiters.get(reply.job);
    if (waiter === undefined) return;
    this.#waiters.delete(reply.job);
    waiter.worker.inFlight--;
    waiter.resolve(reply);
  }

  #failWorker(entry: PoolWorker, error: Error): void {
    for (const [job, waiter] of this.#waiters) {
      if (waiter.worker !== entry) continue;
      this.#waiters.delete(job);
      entry.inFlight--;
      waiter.reject(error);
    }
  }
}

/** One model opened on every worker of a pool. */
export class PooledModel implements PooledBatches {
  readonly #pool: BatchPool;
  readonly #model: number;

  constructor(pool: BatchPool, model: number) {
    this.#pool = pool;
    this.#model = model;
  }

  /** `elapsedMs`: the request's time so far; the worker adds its own up to the scoring. */
  answer(
    bytes: Uint8Array,
    version: string,
    threshold: number,
    elapsedMs: number,
  ): Promise<PooledAnswer> {
    return this.#pool.answer(this.#model, bytes, version, threshold, elapsedMs);
  }

  release(): Promise<void> {
    return this.#pool.closeModel(this.#model);
  }
}
