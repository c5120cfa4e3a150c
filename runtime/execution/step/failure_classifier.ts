// Which failures can pass on a retry. A SQL parse, binder or catalog error, a type or reference
// error in asset code, a failed blocking check or a contract violation fails the same way every
// time: the step fails at once. A dropped connection, a lock or statement timeout, a
// serialization failure, an S3 5xx or throttling, a Kafka broker error or a concurrent change
// may not: the step retries with its policy. Errors are read by shape (SQLSTATE, DuckDB's
// exception type, the AWS SDK's $metadata, kafkajs's retriable), through their causes.
import { ConcurrentChangeError, SluiceError, TimeoutError } from "../../errors.ts";
import type { FailureKind } from "../../errors.ts";
import type { RetryPolicy } from "../../definitions/policies.ts";
import { CheckFailedError } from "./checks.ts";

/** What the classifier made of a failure: deterministic, transient, or unknown (not recognized). */
export interface FailureClass {
  readonly kind: FailureKind | "unknown";
  /** Why, in a few words: "SQL binder error", "Postgres SQLSTATE 40001 (serialization failure)". */
  readonly reason: string;
}

const UNKNOWN: FailureClass = { kind: "unknown", reason: "not a failure Sluice recognizes" };

/**
 * The class of `error`, read through its causes: a transient sign anywhere wins (a TypeError
 * from fetch whose cause is a refused connection is a network failure), then a deterministic
 * one; a Kafka error with neither is a broker failure, so transient.
 */
export function classifyFailure(error: unknown): FailureClass {
  const chain = causeChain(error);
  let deterministic: FailureClass | undefined;
  for (const link of chain) {
    const verdict = verdictOf(link);
    if (verdict?.kind === "transient") return verdict;
    if (verdict?.kind === "deterministic") deterministic ??= verdict;
  }
  if (deterministic) return deterministic;
  if (chain.some(isKafkaJsError)) return { kind: "transient", reason: "Kafka broker error" };
  return UNKNOWN;
}

/**
 * Whether a step that failed with `error` should be attempted again under `policy` (attempts
 * left aside). "transient", the default, retries every failure not known to be deterministic:
 * an unrecognized error from asset code may be a flaky dependency.
 */
export function retries(policy: RetryPolicy, error: unknown, failure: FailureClass): boolean {
  const retryOn = policy.retryOn ?? "transient";
  if (retryOn === "all") return true;
  if (retryOn === "transient") return failure.kind !== "deterministic";
  return retryOn(error);
}

/**
 * The error and what it wraps, outermost first: `cause`, kafkajs's `originalError` and the
 * `errors` of an aggregate (at most 16 links, each once).
 */
function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && chain.length < 16) {
    const link = queue.shift();
    if (typeof link !== "object" || link === null || chain.includes(link)) continue;
    chain.push(link);
    const { cause, originalError, errors } = link as {
      cause?: unknown;
      originalError?: unknown;
      errors?: unknown;
    };
    queue.push(cause, originalError, ...(Array.isArray(errors) ? errors : []));
  }
  return chain;
}

function verdictOf(link: unknown): FailureClass | undefined {
  if (typeof link !== "object" || link === null) return undefined;
  const declared = (link as { failureKind?: unknown }).failureKind;
  if (declared === "deterministic" || declared === "transient") {
    return { kind: declared, reason: `${(link as Error).name ?? "error"} says so` };
  }
  return sluiceVerdict(link) ?? postgresVerdict(link) ?? duckDbVerdict(link) ??
    networkVerdict(link) ?? awsVerdict(link) ?? kafkaVerdict(link) ?? languageVerdict(link);
}

function sluiceVerdict(link: object): FailureClass | undefined {
  if (link instanceof CheckFailedError) {
    return { kind: "deterministic", reason: "a blocking check failed" };
  }
  if (link instanceof ConcurrentChangeError) {
    return { kind: "transient", reason: "the partition changed meanwhile" };
  }
  // The asset's own time limit: a slow dependency may be quicker next time.
  if (link instanceof TimeoutError) return { kind: "transient", reason: "the asset timed out" };
  if (link instanceof SluiceError && DETERMINISTIC_SLUICE_ERRORS.has(link.name)) {
    return { kind: "deterministic", reason: `a ${link.name}` };
  }
  return undefined;
}

/** Definitions, requests and configuration are wrong until someone changes them. */
const DETERMINISTIC_SLUICE_ERRORS = new Set(["DefinitionError", "RequestError", "ConfigError"]);

/** SQLSTATEs that say "try again": the Postgres manual's retryable conditions. */
const TRANSIENT_SQLSTATES: Readonly<Record<string, string>> = {
  "40001": "serialization failure",
  "40P01": "deadlock detected",
  "55P03": "lock not available",
  "57014": "statement timeout or cancel",
  "57P01": "server shutting down",
  "57P02": "server crashed",
  "57P03": "server cannot connect now",
  "53300": "too many connections",
  "53200": "out of memory",
  "53400": "configuration limit exceeded",
  "58000": "system error",
  "58030": "I/O error",
};

/** SQLSTATE classes of errors in the statement or its data: the same statement fails again. */
const DETERMINISTIC_CLASSES: Readonly<Record<string, string>> = {
  "42": "syntax error or undefined object",
  "22": "data exception",
  "23": "integrity constraint violation",
  "0A": "feature not supported",
  "3D": "invalid catalog name",
  "3F": "invalid schema name",
  "2B": "dependent objects still exist",
};

/** A Postgres server (postgres.js) or PGlite error: a five-character SQLSTATE `code`. */
function postgresVerdict(link: object): FailureClass | undefined {
  const { code, severity } = link as { code?: unknown; severity?: unknown };
  if (typeof code !== "string" || !/^[0-9A-Z]{5}$/.test(code)) return undefined;
  if (typeof severity !== "string" && (link as Error).name !== "PostgresError") return undefined;
  const transient = TRANSIENT_SQLSTATES[code] ??
    (code.startsWith("08") ? "connection exception" : undefined);
  if (transient) return { kind: "transient", reason: `SQLSTATE ${code} (${transient})` };
  const deterministic = DETERMINISTIC_CLASSES[code.slice(0, 2)];
  if (deterministic) {
    return { kind: "deterministic", reason: `SQLSTATE ${code} (${deterministic})` };
  }
  return undefined;
}

/** DuckDB exception types, by what a retry would do. */
const DUCKDB_TYPES: Readonly<Record<string, FailureKind>> = {
  "Parser": "deterministic",
  "Syntax": "deterministic",
  "Binder": "deterministic",
  "Catalog": "deterministic",
  "Conversion": "deterministic",
  "Invalid Input": "deterministic",
  "Invalid Type": "deterministic",
  "Type Mismatch": "deterministic",
  "Mismatch Type": "deterministic",
  "Out of Range": "deterministic",
  "Not implemented": "deterministic",
  "Constraint": "deterministic",
  "Dependency": "deterministic",
  "Permission": "deterministic",
  "Transaction": "transient",
  "TransactionContext": "transient",
  "Out of Memory": "transient",
  "HTTP": "transient",
  "Connection": "transient",
};

const DUCKDB_PREFIX = /^([A-Z][A-Za-z ]*?) Error: /;

/**
 * A DuckDB error: the node-api's message starts with its exception type ("Binder Error: ..."),
 * or is its JSON form ({"exception_type":"Binder",...}, as with errors_as_json).
 */
function duckDbVerdict(link: object): FailureClass | undefined {
  const message = (link as { message?: unknown }).message;
  if (typeof message !== "string") return undefined;
  const json = /"exception_type"\s*:\s*"([^"]+)"/.exec(message);
  const type = json?.[1] ?? DUCKDB_PREFIX.exec(message)?.[1];
  if (type === undefined) return undefined;
  const kind = DUCKDB_TYPES[type];
  return kind && { kind, reason: `DuckDB ${type.toLowerCase()} error` };
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "EAI_AGAIN",
  "ENOTFOUND",
  // postgres.js
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
]);

const NETWORK_NAMES = new Set([
  // Deno.errors
  "ConnectionRefused",
  "ConnectionReset",
  "ConnectionAborted",
  "TimedOut",
  "BrokenPipe",
  "NotConnected",
  "AddrNotAvailable",
  // the AWS SDK's request timeout
  "TimeoutError",
]);

/** A connection refused, reset or timed out, by its code (Node, postgres.js) or name (Deno). */
function networkVerdict(link: object): FailureClass | undefined {
  const { code, name } = link as { code?: unknown; name?: unknown };
  if (typeof code === "string" && NETWORK_CODES.has(code)) {
    return { kind: "transient", reason: `network error ${code}` };
  }
  if (typeof name === "string" && NETWORK_NAMES.has(name) && !(link instanceof SluiceError)) {
    return { kind: "transient", reason: `network error ${name}` };
  }
  // Deno's fetch reports a failed request as a TypeError "fetch failed" (the cause says why).
  const message = (link as { message?: unknown }).message;
  if (
    name === "TypeError" && typeof message === "string" &&
    /^(fetch failed|error sending request)/i.test(message)
  ) {
    return { kind: "transient", reason: "network error (fetch)" };
  }
  return undefined;
}

const AWS_THROTTLING = new Set([
  "SlowDown",
  "Throttling",
  "ThrottlingException",
  "RequestThrottled",
  "TooManyRequestsException",
  "RequestTimeout",
  "InternalError",
  "ServiceUnavailable",
]);

/** An AWS SDK service error: `$metadata.httpStatusCode` and `$fault`. */
function awsVerdict(link: object): FailureClass | undefined {
  const { $metadata, $fault, $retryable, name } = link as {
    $metadata?: { httpStatusCode?: unknown };
    $fault?: unknown;
    $retryable?: unknown;
    name?: unknown;
  };
  if ($metadata === undefined || typeof $metadata !== "object") return undefined;
  const status = $metadata.httpStatusCode;
  const what = `S3 ${typeof name === "string" ? name : "error"}${
    typeof status === "number" ? ` (HTTP ${status})` : ""
  }`;
  if (
    $retryable !== undefined || (typeof name === "string" && AWS_THROTTLING.has(name)) ||
    (typeof status === "number" && (status >= 500 || status === 429 || status === 408))
  ) {
    return { kind: "transient", reason: what };
  }
  if ($fault === "client") return { kind: "deterministic", reason: what };
  return undefined;
}

function isKafkaJsError(link: unknown): boolean {
  const name = (link as { name?: unknown } | null)?.name;
  return typeof name === "string" && name.startsWith("KafkaJS");
}

/** kafkajs says itself whether a broker error is worth retrying (`retriable`). */
function kafkaVerdict(link: object): FailureClass | undefined {
  if (!isKafkaJsError(link)) return undefined;
  const { retriable, type, name } = link as { retriable?: unknown; type?: unknown; name: string };
  const what = `Kafka ${typeof type === "string" ? type : name}`;
  if (retriable === true) return { kind: "transient", reason: what };
  // A protocol error the broker will answer again (an invalid topic, no authorization).
  if (typeof type === "string" && retriable === false) {
    return { kind: "deterministic", reason: what };
  }
  return undefined;
}

/** Mistakes in code or data shapes: a TypeError, ReferenceError, SyntaxError or ZodError. */
function languageVerdict(link: object): FailureClass | undefined {
  const name = (link as { name?: unknown }).name;
  if (link instanceof TypeError || link instanceof ReferenceError || link instanceof SyntaxError) {
    return { kind: "deterministic", reason: `a ${(link as Error).name} in asset code` };
  }
  if (name === "ZodError") return { kind: "deterministic", reason: "a contract violation" };
  return undefined;
}
