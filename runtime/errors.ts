// Typed errors for the runtime, split by who is at fault: a bad definition, a bad request
// (selection, partition, flag), or an invariant the runtime could not keep at run time.

/** Base class of every error Sluice raises on purpose. */
export class SluiceError extends Error {
  override name = "SluiceError";
}

/** An asset or graph definition is wrong; the message names the asset key and the fix. */
export class DefinitionError extends SluiceError {
  override name = "DefinitionError";
  constructor(message: string, readonly assetKey?: string) {
    super(message);
  }
}

/** A user request (selection, partition, CLI flag) cannot be satisfied. */
export class RequestError extends SluiceError {
  override name = "RequestError";
}

/** Configuration from the environment is invalid; the message names the variable. */
export class ConfigError extends SluiceError {
  override name = "ConfigError";
  constructor(message: string, readonly variable: string) {
    super(message);
  }
}

/** Something that should always hold did not: a store inconsistency or a lost lease. */
export class RuntimeInvariantError extends SluiceError {
  override name = "RuntimeInvariantError";
  constructor(message: string, readonly assetKey?: string) {
    super(message);
  }
}

/** A materialization exceeded its timeout. */
export class TimeoutError extends SluiceError {
  override name = "TimeoutError";
  constructor(readonly assetKey: string, readonly timeoutMs: number) {
    super(
      `Asset '${assetKey}' timed out after ${timeoutMs} ms: raise its 'timeoutMs' or make it faster`,
    );
  }
}

/**
 * How a failure behaves when the same work runs again: the same way (deterministic) or perhaps
 * not (transient). An error class the runtime cannot know may say which in a `failureKind`
 * field; runtime/execution/step/failure_classifier.ts reads every other sign.
 */
export type FailureKind = "deterministic" | "transient";

/** Renders any thrown value as one line, for run tables and the metadata store. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message.split("\n")[0];
  return String(error);
}

/**
 * A partition moved while a writer that must replace exactly what it read was working (a
 * concurrent append): nothing was committed, and running again reads the newer version.
 */
export class ConcurrentChangeError extends RuntimeInvariantError {
  override name = "ConcurrentChangeError";
}

/**
 * A SQL asset's statement failed in its engine. The message names the file, and the line and
 * column in that file when the engine gave a position, then the engine's own message:
 * `sql/gold/fraud_summary.sql:12:5: Binder Error: Referenced column "amout" not found`. The
 * driver's error is the cause, which says whether a retry can help.
 */
export class SqlError extends SluiceError {
  override name = "SqlError";
  constructor(
    readonly file: string,
    readonly position: { readonly line: number; readonly column: number } | undefined,
    readonly engineMessage: string,
    options?: ErrorOptions,
  ) {
    super(
      `${file}${position ? `:${position.line}:${position.column}` : ""}: ${engineMessage}`,
      options,
    );
  }
}
