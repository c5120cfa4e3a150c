// The messages between batch_pool.ts and its workers (batch_worker.ts), and the answer of a
// batch both give back: plain data, so it crosses the worker boundary by structured clone.
import type { ErrorStatus } from "./api_error.ts";
import type { ErrorCode, FieldError } from "./api_schemas.ts";

export interface BatchAnswer {
  /** The response body, `{model_version, latency_ms, scored, rejected, results}`. */
  readonly body: string;
  readonly rows: number;
  readonly scored: number;
  readonly rejected: number;
  /** fraud_probability of each scored row, in request order (for the score histogram). */
  readonly probabilities: Float64Array;
}

/** Main thread to worker. */
export type PoolRequest =
  | {
    readonly kind: "open";
    readonly job: number;
    readonly model: number;
    readonly graph: Uint8Array;
    readonly features: number;
  }
  | {
    readonly kind: "answer";
    readonly job: number;
    readonly model: number;
    readonly bytes: Uint8Array;
    readonly version: string;
    readonly threshold: number;
    readonly elapsedMs: number;
  }
  | { readonly kind: "close"; readonly job: number; readonly model: number };

/** Worker to main thread. */
export type PoolReply =
  | { readonly kind: "done"; readonly job: number }
  | {
    readonly kind: "answer";
    readonly job: number;
    readonly body: Uint8Array<ArrayBuffer>;
    readonly rows: number;
    readonly scored: number;
    readonly rejected: number;
    readonly probabilities: Float64Array;
  }
  | {
    readonly kind: "api_error";
    readonly job: number;
    readonly status: ErrorStatus;
    readonly code: ErrorCode;
    readonly message: string;
    readonly detail: readonly FieldError[];
  }
  | { readonly kind: "failed"; readonly job: number; readonly message: string };

/** A batch answered by a worker: the body already encoded as UTF-8. */
export interface PooledAnswer extends Omit<BatchAnswer, "body"> {
  readonly body: Uint8Array<ArrayBuffer>;
}

/** One model open on every worker of a pool (batch_pool.ts's PooledModel). */
export interface PooledBatches {
  /** `elapsedMs`: the request's time so far; the worker adds its own up to the scoring. */
  answer(
    bytes: Uint8Array,
    version: string,
    threshold: number,
    elapsedMs: number,
  ): Promise<PooledAnswer>;
  release(): Promise<void>;
}

/** What a scorer needs of a batch pool (batch_pool.ts's BatchPool): opening a model on it. */
export interface BatchSessions {
  open(graph: Uint8Array, features: number): Promise<PooledBatches>;
}
