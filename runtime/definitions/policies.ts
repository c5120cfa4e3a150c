// Per-asset policies: how fresh an asset must be, how often to retry, how long it may run.
import { DefinitionError } from "../errors.ts";

/** A partition is overdue when the data it holds is older than this. */
export interface FreshnessPolicy {
  readonly maximumLagMinutes: number;
}

export interface RetryPolicy {
  /** Attempts in total, including the first. */
  readonly maxAttempts: number;
  /** Delay before the second attempt; it doubles each attempt up to `maxDelayMs`. */
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** Fraction of the delay drawn at random, so retries of many assets do not align. */
  readonly jitter: number;
  /**
   * Which failures are retried: "transient" (the default) retries every failure not known to
   * fail the same way again (a SQL or type error, a failed blocking check, a contract
   * violation fail at once); "all" retries every failure; a function decides by the error.
   */
  readonly retryOn?: RetryOn;
}

export type RetryOn = "all" | "transient" | ((error: unknown) => boolean);

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 3,
  initialDelayMs: 1_000,
  maxDelayMs: 60_000,
  jitter: 0.2,
  retryOn: "transient",
};

export const DEFAULT_TIMEOUT_MS = 60 * 60 * 1_000;

/** The delay before attempt `attempt + 1` after `attempt` failed (attempts count from 1). */
export function retryDelayMs(policy: RetryPolicy, attempt: number, random: () => number): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1));
  const spread = base * policy.jitter;
  return Math.max(0, Math.round(base - spread + random() * 2 * spread));
}

export function validateRetry(key: string, policy: RetryPolicy): RetryPolicy {
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new DefinitionError(
      `Asset '${key}' cannot retry with maxAttempts ${policy.maxAttempts}: expected a whole number of at least 1`,
      key,
    );
  }
  if (
    policy.initialDelayMs < 0 || policy.maxDelayMs < policy.initialDelayMs ||
    !Number.isFinite(policy.maxDelayMs)
  ) {
    throw new DefinitionError(
      `Asset '${key}' has retry delays ${policy.initialDelayMs}..${policy.maxDelayMs} ms: expected 0 <= initialDelayMs <= maxDelayMs`,
      key,
    );
  }
  const retryOn = policy.retryOn;
  if (
    retryOn !== undefined && retryOn !== "all" && retryOn !== "transient" &&
    typeof retryOn !== "function"
  ) {
    throw new DefinitionError(
      `Asset '${key}' has retryOn ${
        JSON.stringify(retryOn)
      }: expected "transient", "all" or a function of the error`,
      key,
    );
  }
  if (policy.jitter < 0 || policy.jitter > 1) {
    throw new DefinitionError(
      `Asset '${key}' has retry jitter ${policy.jitter}: expected 0 to 1`,
      key,
    );
  }
  return policy;
}

export function validateFreshness(key: string, policy: FreshnessPolicy): FreshnessPolicy {
  if (!(policy.maximumLagMinutes > 0) || !Number.isFinite(policy.maximumLagMinutes)) {
    throw new DefinitionError(
      `Asset '${key}' has freshness maximumLagMinutes ${policy.maximumLagMinutes}: expected a positive number`,
      key,
    );
  }
  return policy;
}

export function validateTimeout(key: string, timeoutMs: number): number {
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
    throw new DefinitionError(
      `Asset '${key}' has timeoutMs ${timeoutMs}: expected a positive number`,
      key,
    );
  }
  return timeoutMs;
}
